namespace ProfileGrid.Durability.Tests.Storage;

[Collection(DurableCollection.Name)]
public sealed class StorageConflictTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task A_profile_whose_stored_state_moved_on_re_reads_and_re_applies_instead_of_overwriting()
    {
        var run = $"etag{Guid.NewGuid():N}"[..11];
        var connectionString = await postgres.CreateDatabaseAsync("etag_conflict");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var random = new Random(5);
        var first = People.Event(run, 0, 1, random);
        Assert.Equal(1, (await grid.Grains.IngestAll([first])).Accepted);

        // Another writer (a duplicate activation on another silo, say) wrote every grain's state:
        // the live activations now hold stale ETags.
        var bumped = await Sql.ExecuteAsync(connectionString, "UPDATE OrleansStorage SET Version = Version + 1");
        var second = People.Event(run, 0, 2, random);
        var result = await grid.Grains.IngestAll([second]);
        var view = await grid.Grains.Lookup("crmId", People.Crm(run, 0));

        Assert.True(bumped > 0);
        Assert.Empty(result.Rejected);
        Assert.Equal(1, result.Accepted);
        Assert.NotNull(view);
        Assert.Equal(new[] { first.Id!, second.Id! }.Order(), view.Events.Select(e => e.Id).Order());
    }
}
