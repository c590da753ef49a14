namespace ProfileGrid.Durability.Tests.Restarts;

[Collection(DurableCollection.Name)]
public sealed class FullRestartTests(PostgresServerFixture postgres)
{
    private const int People = 30;

    [PostgresFact]
    public async Task A_cluster_started_again_on_the_same_database_serves_every_profile_as_before()
    {
        var run = $"restart{Guid.NewGuid():N}"[..14];
        var connectionString = await postgres.CreateDatabaseAsync("full_restart");
        var events = Workload(run, 300);

        Dictionary<string, string> before;
        await using (var first = await DurableCluster.StartAsync(connectionString, run))
        {
            foreach (var batch in events.Chunk(25))
            {
                await first.Grains.IngestAll(batch);
            }
            for (var person = 0; person < People; person += 3)
            {
                var crm = IdentityRules.Default.Normalize("crmId", Durability.Tests.People.Crm(run, person));
                await first.Grains.GetGrain<IIngestGrain>(0).SetTraits(crm, $$"""{"tier": "plus", "person": {{person}}}""", DateTimeOffset.UtcNow.AddMinutes(-person));
            }
            before = await Snapshots(first.Grains, run);
        }

        await using var second = await DurableCluster.StartAsync(connectionString, run);
        var after = await Snapshots(second.Grains, run);

        Assert.Equal(People * 2, before.Count);
        Assert.All(before.Values, snapshot => Assert.Contains("\"Events\":[{", snapshot, StringComparison.Ordinal));
        Assert.Equal(before, after);
    }

    [PostgresFact]
    public async Task Events_sent_again_after_a_restart_are_duplicates_and_change_nothing()
    {
        var run = $"idem{Guid.NewGuid():N}"[..11];
        var connectionString = await postgres.CreateDatabaseAsync("idempotent_restart");
        var events = Workload(run, 200);

        await using (var first = await DurableCluster.StartAsync(connectionString, run))
        {
            foreach (var batch in events.Chunk(50))
                Assert.Equal(batch.Length, (await first.Grains.IngestAll(batch)).Accepted);
        }

        await using var second = await DurableCluster.StartAsync(connectionString, run);
        var before = await Snapshots(second.Grains, run);
        var accepted = 0;
        var duplicates = 0;
        foreach (var batch in events.Chunk(50))
        {
            var result = await second.Grains.IngestAll(batch, ingestKey: 1);
            accepted += result.Accepted;
            duplicates += result.Duplicates;
        }
        var after = await Snapshots(second.Grains, run);

        Assert.Equal(0, accepted);
        Assert.Equal(events.Length, duplicates);
        Assert.Equal(before, after);
    }

    private static RawEvent[] Workload(string run, int count)
    {
        var random = new Random(11);
        return [.. Enumerable.Range(0, count).Select(n => Durability.Tests.People.Event(run, n % People, n / People, random))];
    }

    /// <summary>Every person's profile as text, looked up by each of their identities.</summary>
    private static async Task<Dictionary<string, string>> Snapshots(IGrainFactory grains, string run)
    {
        var snapshots = new Dictionary<string, string>();
        for (var person = 0; person < People; person++)
        {
            snapshots[$"crm {person}"] = Durability.Tests.People.Snapshot(await grains.Lookup("crmId", Durability.Tests.People.Crm(run, person)));
            snapshots[$"device {person}"] = Durability.Tests.People.Snapshot(await grains.Lookup("ecid", Durability.Tests.People.Device(run, person)));
        }
        return snapshots;
    }
}
