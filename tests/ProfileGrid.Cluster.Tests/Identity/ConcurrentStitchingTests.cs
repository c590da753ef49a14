using System.Collections.Concurrent;

namespace ProfileGrid.Cluster.Tests.Identity;

[Collection(ClusterCollection.Name)]
public sealed class ConcurrentStitchingTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Concurrent_writers_linking_thousands_of_identities_end_in_the_union_find_partition()
    {
        const int groups = 40, perGroup = 60, eventsCount = 2400, writers = 16;
        var random = new Random(20261123);
        var run = Guid.NewGuid().ToString("N")[..8];
        string Device(int group, int member) => $"stress-{run}-{group:D2}-{member:D3}";

        // Events link 1 to 3 devices, mostly inside one group so there are many components of varied size.
        var events = new List<RawEvent>(eventsCount);
        for (var i = 0; i < eventsCount; i++)
        {
            var group = random.Next(groups);
            var size = random.Next(1, 4);
            var ids = Enumerable.Range(0, size)
                .Select(_ => random.Next(10) == 0 ? Device(random.Next(groups), random.Next(perGroup)) : Device(group, random.Next(perGroup)))
                .Distinct().Select(d => ("ecid", d)).ToArray();
            events.Add(Grid.Event("web.pageView", ids));
        }

        var oracle = new UnionFind();
        foreach (var e in events)
        {
            var keys = e.Identities.Select(i => $"ecid:{i.Id}").ToList();
            foreach (var k in keys) oracle.Add(k);
            foreach (var k in keys.Skip(1)) oracle.Union(keys[0], k);
        }

        // Writers send small batches concurrently while readers look identities up.
        var queue = new ConcurrentQueue<RawEvent[]>(events.Chunk(10));
        var rejected = new ConcurrentBag<string>();
        var accepted = 0;
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            var reads = 0;
            var rnd = new Random(r);
            while (!stop.IsCancellationRequested)
            {
                var view = await _grains.Lookup("ecid", Device(rnd.Next(groups), rnd.Next(perGroup)), lastEvents: 5);
                if (view is not null) Assert.NotEmpty(view.Identities);
                reads++;
            }
            return reads;
        })).ToList();
        var writerTasks = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var batch))
            {
                var result = await _grains.Ingest(batch);
                Interlocked.Add(ref accepted, result.Accepted);
                foreach (var r in result.Rejected) rejected.Add($"{r.EventId}: {r.Reason}");
            }
        })).ToList();
        await Task.WhenAll(writerTasks).WaitAsync(TimeSpan.FromMinutes(4));
        stop.Cancel();
        var totalReads = (await Task.WhenAll(readers)).Sum();

        Assert.Empty(rejected);
        Assert.Equal(eventsCount, accepted);
        Assert.True(totalReads > 0);

        // Every identity resolves to the profile of exactly its oracle component, and that profile's
        // graph holds exactly the component: no lost link, no identity in two profiles.
        var byProfile = new Dictionary<string, HashSet<string>>();
        foreach (var key in oracle.Keys)
        {
            var view = await _grains.Lookup("ecid", key["ecid:".Length..], lastEvents: 0);
            Assert.NotNull(view);
            if (!byProfile.TryGetValue(view.Id, out var members))
            {
                byProfile[view.Id] = members = [];
                Assert.Equal(oracle.Component(key).Order(), view.Ids());
            }
            members.Add(key);
        }
        var expected = oracle.Keys.GroupBy(oracle.Find).Select(g => g.Order().ToArray()).OrderBy(g => g[0]).ToList();
        var actual = byProfile.Values.Select(g => g.Order().ToArray()).OrderBy(g => g[0]).ToList();
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);

        // Every event is on the timeline of exactly one profile.
        var eventIds = new HashSet<string>();
        foreach (var profileId in byProfile.Keys)
            foreach (var e in (await _grains.ById(profileId))!.Events)
                Assert.True(eventIds.Add(e.Id), $"event {e.Id} is on two profiles");
        Assert.Equal(events.Select(e => e.Id!).Order(), eventIds.Order());
    }

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
