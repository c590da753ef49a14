namespace ProfileGrid.Testing.Identity;

/// <summary>
/// The shared half of the "racing merges" tests: a seeded workload of events that each link one to
/// three devices, mostly inside one group (so many components of varied size, with a few links
/// bridging groups), the union-find partition those links must end in whatever order they land, and
/// the assertions that the grid's profiles are exactly that partition. Each test keeps its own
/// cluster (in memory or on PostgreSQL), builds its own events from <see cref="Links"/> and talks
/// to its grains through the delegates; the harness knows no grain, so it stays in plain C#.
/// </summary>
public sealed class RacingMergesHarness
{
    /// <summary>The namespace every device of the workload is linked under.</summary>
    public const string DeviceNamespace = "ecid";

    private readonly UnionFind _oracle = new();

    private RacingMergesHarness(IReadOnlyList<string[]> links)
    {
        Links = links;
        foreach (var devices in links)
        {
            foreach (var device in devices) _oracle.Add(device);
            foreach (var device in devices.Skip(1)) _oracle.Union(devices[0], device);
        }
    }

    /// <summary>For each event to send, in order, the distinct devices (ids in <see cref="DeviceNamespace"/>) it links.</summary>
    public IReadOnlyList<string[]> Links { get; }

    /// <summary>Every device the workload links, each once.</summary>
    public IEnumerable<string> Devices => _oracle.Keys;

    /// <summary>
    /// <paramref name="events"/> events over <paramref name="groups"/> groups of <paramref name="perGroup"/>
    /// devices named by <paramref name="device"/>(group, member): each links 1 to 3 devices of one group,
    /// and one device in ten is drawn from any group instead.
    /// </summary>
    public static RacingMergesHarness Generate(int groups, int perGroup, int events, Func<int, int, string> device, int seed = 20261123)
    {
        var random = new Random(seed);
        var links = new List<string[]>(events);
        for (var i = 0; i < events; i++)
        {
            var group = random.Next(groups);
            links.Add([.. Enumerable.Range(0, random.Next(1, 4))
                .Select(_ => random.Next(10) == 0 ? device(random.Next(groups), random.Next(perGroup)) : device(group, random.Next(perGroup)))
                .Distinct()]);
        }

        return new RacingMergesHarness(links);
    }

    /// <summary>
    /// <paramref name="writers"/> concurrent writers drain <paramref name="batches"/> through
    /// <paramref name="write"/>(writer, batch), which answers how many events were accepted and why
    /// any were rejected; fails unless none was rejected, and returns how many were accepted.
    /// </summary>
    public static async Task<int> WriteConcurrentlyAsync<TEvent>(
        IEnumerable<TEvent[]> batches,
        int writers,
        Func<int, TEvent[], Task<(int Accepted, IEnumerable<string> Rejections)>> write)
    {
        var queue = new ConcurrentQueue<TEvent[]>(batches);
        var rejected = new ConcurrentBag<string>();
        var accepted = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var batch))
            {
                var (count, rejections) = await write(writer, batch);
                Interlocked.Add(ref accepted, count);
                foreach (var rejection in rejections) rejected.Add(rejection);
            }
        })));

        Assert.True(rejected.IsEmpty, string.Join("\n", rejected.Take(20)));
        return accepted;
    }

    /// <summary>
    /// Every device resolves, through <paramref name="lookup"/>, to the profile of exactly its oracle
    /// component, that profile's graph holds exactly the component (no lost link, no identity in two
    /// profiles), and the profiles are the oracle's partition. Returns the ids of those profiles.
    /// </summary>
    public async Task<IReadOnlyCollection<string>> AssertProfilesAreTheOraclePartitionAsync(Func<string, Task<StitchedProfile?>> lookup)
    {
        var byProfile = new Dictionary<string, HashSet<string>>();
        foreach (var device in _oracle.Keys)
        {
            var profile = await lookup(device);
            Assert.True(profile is not null, $"{DeviceNamespace}:{device} belongs to no profile");
            if (!byProfile.TryGetValue(profile.Id, out var members))
            {
                byProfile[profile.Id] = members = [];
                Assert.Equal(_oracle.Component(device).Select(Key).Order(), profile.Identities.Order());
            }

            members.Add(device);
        }

        var expected = _oracle.Keys.GroupBy(_oracle.Find).Select(g => g.Order().ToArray()).OrderBy(g => g[0]).ToList();
        var actual = byProfile.Values.Select(g => g.Order().ToArray()).OrderBy(g => g[0]).ToList();
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
        return byProfile.Keys;
    }

    /// <summary>Every sent event is on the timeline of exactly one profile, and nothing else is.</summary>
    public static void AssertEveryEventOnExactlyOneTimeline(IEnumerable<string> sent, IEnumerable<string> onTimelines)
    {
        var seen = new HashSet<string>();
        foreach (var eventId in onTimelines) Assert.True(seen.Add(eventId), $"event {eventId} is on two profiles");
        Assert.Equal(sent.Order(), seen.Order());
    }

    private static string Key(string device) => $"{DeviceNamespace}:{device}";

    /// <summary>The oracle: links applied in any order end in the same components.</summary>
    private sealed class UnionFind
    {
        private readonly Dictionary<string, string> _parent = [];

        public IEnumerable<string> Keys => _parent.Keys;

        public void Add(string k) => _parent.TryAdd(k, k);

        public string Find(string k)
        {
            while (_parent[k] != k) k = _parent[k] = _parent[_parent[k]];
            return k;
        }

        public void Union(string a, string b)
        {
            var (ra, rb) = (Find(a), Find(b));
            if (ra != rb) _parent[ra] = rb;
        }

        public IEnumerable<string> Component(string k)
        {
            var root = Find(k);
            return _parent.Keys.Where(x => Find(x) == root);
        }
    }
}

/// <summary>A profile as the racing-merges assertions need it: its id and its identities as "namespace:id".</summary>
public sealed record StitchedProfile(string Id, IReadOnlyCollection<string> Identities);
