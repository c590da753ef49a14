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
        var race = RacingMergesHarness.Generate(groups, perGroup, eventsCount, (group, member) => $"{run}-{group:D2}-{member:D3}");
        var events = race.Links.Select((devices, i) => new RawEvent
        {
            Id = $"{run}-{i}",
            Type = "web.pageView",
            Timestamp = DateTimeOffset.UtcNow.AddDays(-1).AddSeconds(i).ToString("O"),
            Identities = [.. devices.Select(d => new RawIdentity(RacingMergesHarness.DeviceNamespace, d))],
        }).ToList();

        // Writers on different ingest activations (so on both silos) send small batches at once.
        var accepted = await RacingMergesHarness.WriteConcurrentlyAsync(events.Chunk(8), writers, async (writer, batch) =>
        {
            var result = await grid.Grains.GetGrain<IIngestGrain>(writer).Ingest([.. batch]);
            return (result.Accepted, result.Rejected.Select(r => $"{r.EventId}: {r.Reason}"));
        });

        Assert.Equal(eventsCount, accepted);
        var profiles = await race.AssertProfilesAreTheOraclePartitionAsync(async device =>
            await grid.Grains.Lookup(RacingMergesHarness.DeviceNamespace, device) is { } view
                ? new StitchedProfile(view.Id, [.. view.Identities.Select(i => i.ToString())])
                : null);
        var onTimelines = new List<string>();
        foreach (var profileId in profiles) onTimelines.AddRange((await grid.Grains.ById(profileId))!.Events.Select(e => e.Id));
        RacingMergesHarness.AssertEveryEventOnExactlyOneTimeline(events.Select(e => e.Id!), onTimelines);
    }
}
