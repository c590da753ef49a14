using System.Collections.Concurrent;

namespace ProfileGrid.Durability.Tests.Identity;

[Collection(DurableCollection.Name)]
public sealed class RacingMergesTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task Merges_racing_across_silos_on_postgres_end_in_the_union_find_partition()
    {
        const int groups = 12, perGroup = 20, eventsCount = 480, writers = 8;
        var run = $"race{Guid.NewGuid():N}"[..11];
        var connectionString = await postgres.CreateDatabaseAsync("racing_merges");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var random = new Random(20261123);
        string Device(int group, int member) => $"{run}-{group:D2}-{member:D3}";

        // Events link 1 to 3 devices, mostly inside one group: many components of varied size.
        var events = new List<RawEvent>(eventsCount);
        var oracle = new UnionFind();
        for (var i = 0; i < eventsCount; i++)
        {
            var group = random.Next(groups);
            var devices = Enumerable.Range(0, random.Next(1, 4))
                .Select(_ => random.Next(10) == 0 ? Device(random.Next(groups), random.Next(perGroup)) : Device(group, random.Next(perGroup)))
                .Distinct().ToArray();
            events.Add(new RawEvent
            {
                Id = $"{run}-{i}",
                Type = "web.pageView",
                Timestamp = DateTimeOffset.UtcNow.AddDays(-1).AddSeconds(i).ToString("O"),
                Identities = [.. devices.Select(d => new RawIdentity("ecid", d))],
            });
            foreach (var d in devices) oracle.Add(d);
            foreach (var d in devices.Skip(1)) oracle.Union(devices[0], d);
        }

        // Writers on different ingest activations (so on both silos) send small batches at once.
        var queue = new ConcurrentQueue<RawEvent[]>(events.Chunk(8));
        var rejected = new ConcurrentBag<string>();
        var accepted = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var batch))
            {
                var result = await grid.Grains.GetGrain<IIngestGrain>(w).Ingest([.. batch]);
                Interlocked.Add(ref accepted, result.Accepted);
                foreach (var r in result.Rejected) rejected.Add($"{r.EventId}: {r.Reason}");
            }
        })));

        Assert.True(rejected.IsEmpty, string.Join("\n", rejected.Take(20)));
        Assert.Equal(eventsCount, accepted);
        var byProfile = new Dictionary<string, HashSet<string>>();
        foreach (var device in oracle.Keys)
        {
            var view = await grid.Grains.Lookup("ecid", device);
            Assert.NotNull(view);
            if (!byProfile.TryGetValue(view.Id, out var members))
            {
                byProfile[view.Id] = members = [];
                Assert.Equal(oracle.Component(device).Select(d => $"ecid:{d}").Order(), view.Identities.Select(i => i.ToString()).Order());
            }
            members.Add(device);
        }
        Assert.Equal(
            oracle.Keys.GroupBy(oracle.Find).Select(g => string.Join(",", g.Order())).Order(),
            byProfile.Values.Select(g => string.Join(",", g.Order())).Order());
        var onTimelines = new List<string>();
        foreach (var profileId in byProfile.Keys) onTimelines.AddRange((await grid.Grains.ById(profileId))!.Events.Select(e => e.Id));
        Assert.Equal(events.Select(e => e.Id!).Order(), onTimelines.Order());
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
