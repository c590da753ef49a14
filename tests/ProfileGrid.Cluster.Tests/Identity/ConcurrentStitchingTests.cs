namespace ProfileGrid.Cluster.Tests.Identity;

[Collection(ClusterCollection.Name)]
public sealed class ConcurrentStitchingTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Concurrent_writers_linking_thousands_of_identities_end_in_the_union_find_partition()
    {
        const int groups = 40, perGroup = 60, eventsCount = 2400, writers = 16;
        var run = Guid.NewGuid().ToString("N")[..8];
        string Device(int group, int member) => $"stress-{run}-{group:D2}-{member:D3}";
        var race = RacingMergesHarness.Generate(groups, perGroup, eventsCount, Device);
        var events = race.Links
            .Select(devices => Grid.Event("web.pageView", [.. devices.Select(d => (RacingMergesHarness.DeviceNamespace, d))]))
            .ToList();

        // Writers send small batches concurrently while readers look identities up.
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            var reads = 0;
            var rnd = new Random(r);
            while (!stop.IsCancellationRequested)
            {
                var view = await _grains.Lookup(RacingMergesHarness.DeviceNamespace, Device(rnd.Next(groups), rnd.Next(perGroup)), lastEvents: 5);
                if (view is not null) Assert.NotEmpty(view.Identities);
                reads++;
            }
            return reads;
        })).ToList();
        int accepted;
        try
        {
            accepted = await RacingMergesHarness.WriteConcurrentlyAsync(events.Chunk(10), writers, async (_, batch) =>
            {
                var result = await _grains.Ingest(batch);
                return (result.Accepted, result.Rejected.Select(r => $"{r.EventId}: {r.Reason}"));
            }).WaitAsync(TimeSpan.FromMinutes(4));
        }
        finally
        {
            stop.Cancel();
        }
        var totalReads = (await Task.WhenAll(readers)).Sum();

        Assert.Equal(eventsCount, accepted);
        Assert.True(totalReads > 0);

        var profiles = await race.AssertProfilesAreTheOraclePartitionAsync(async device =>
            await _grains.Lookup(RacingMergesHarness.DeviceNamespace, device, lastEvents: 0) is { } view ? new StitchedProfile(view.Id, view.Ids()) : null);
        var onTimelines = new List<string>();
        foreach (var profileId in profiles) onTimelines.AddRange((await _grains.ById(profileId))!.Events.Select(e => e.Id));
        RacingMergesHarness.AssertEveryEventOnExactlyOneTimeline(events.Select(e => e.Id!), onTimelines);
    }
}
