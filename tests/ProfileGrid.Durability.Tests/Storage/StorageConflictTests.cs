using ProfileGrid.Segments;

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

    /// <summary>
    /// Memberships evaluated on a state that then lost its write are void: the profile re-reads, applies the
    /// event again and publishes only what that evaluation says. Here the stored state is ahead of the
    /// profile's memory (another writer stored three events while this activation holds one), so the stale
    /// evaluation (two events: in "exactly two") is wrong and the one on the state read back (four events:
    /// still out) changes nothing; without dropping the stale pass, the person would be published as ENTERED
    /// and put in the audience.
    /// </summary>
    [PostgresFact]
    public async Task Memberships_evaluated_on_a_state_that_lost_its_write_are_neither_published_nor_in_the_audience()
    {
        var run = $"etagseg{Guid.NewGuid():N}"[..14];
        var connectionString = await postgres.CreateDatabaseAsync("etag_conflict_segments");
        var writeAtOnce = new Dictionary<string, string> { ["ProfileGrid:Profiles:StateWriteDelay"] = "00:00:00" };
        await using var grid = await DurableCluster.StartAsync(connectionString, run, silos: 1, settings: writeAtOnce);
        var two = $"two-{run}";
        await SegmentQueries.DefinedAsync(grid.Grains, two, $"count(events where attributes.run = \"{run}\") = 2");
        var device = ("ecid", $"{run}-device");
        // The only profile in this database (its GUID-shaped id is stored as a GUID key, not as text).
        const string Profile = "FROM OrleansStorage WHERE GrainTypeString = 'profile'";
        Task<byte[]> Stored() => Sql.ScalarAsync<byte[]>(connectionString, $"SELECT PayloadBinary {Profile}");
        Task<int> Store(byte[] payload) =>
            Sql.ExecuteAsync(connectionString, "UPDATE OrleansStorage SET PayloadBinary = @payload, Version = Version + 1 WHERE GrainTypeString = 'profile'", ("payload", payload));
        async Task Ingest(int n) => Assert.Equal(1, (await grid.Grains.IngestAll([People.Numbered(run, n, "web.pageView", device)])).Accepted);

        await Ingest(1);
        var profile = (await grid.Grains.Lookup("ecid", device.Item2))!.Id;
        Assert.Equal(1L, await Sql.ScalarAsync<long>(connectionString, $"SELECT count(*) {Profile}"));
        var oneEvent = await Stored();
        await Ingest(2);
        await Ingest(3);
        var threeEvents = await Stored();
        Assert.Equal([MembershipChangeStatus.Entered, MembershipChangeStatus.Exited], PublishedChanges.For(run, profile).Select(c => c.Status));

        // The activation goes and comes back holding the one-event state; then the store moves ahead of it again.
        Assert.Equal(1, await Store(oneEvent));
        await grid.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Single((await grid.Grains.Lookup("ecid", device.Item2))!.Events);
        Assert.Equal(1, await Store(threeEvents));
        await Ingest(4);

        var view = (await grid.Grains.Lookup("ecid", device.Item2))!;
        Assert.Equal([$"{run}-1", $"{run}-2", $"{run}-3", $"{run}-4"], view.Events.Select(e => e.Id).Order());
        Assert.Equal([MembershipChangeStatus.Entered, MembershipChangeStatus.Exited], PublishedChanges.For(run, profile).Select(c => c.Status));
        Assert.Empty(await SegmentQueries.AudienceAsync(grid.Grains, two));
        var (memberships, _) = await grid.Grains.GetGrain<IProfileSegmentsGrain>(profile).GetSegments();
        Assert.Equal(MembershipStatus.Exited, Assert.Single(memberships, m => m.SegmentId == two).Status);
    }
}
