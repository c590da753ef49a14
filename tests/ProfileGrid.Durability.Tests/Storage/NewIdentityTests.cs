namespace ProfileGrid.Durability.Tests.Storage;

/// <summary>
/// The event log says which identities of an ingested batch (of people the silo does not know) it has no record of;
/// the grains of those identities start empty instead of asking PostgreSQL for a row (two statements fewer for a new
/// person with two identities).
/// When the log is wrong (an identity whose events were deleted still has its grain's row), storage refuses the
/// first write of the empty grain and the event is planned again from the stored owner.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class NewIdentityTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task A_new_person_s_identities_are_not_read_and_a_known_identity_is()
    {
        var run = $"newid{Guid.NewGuid():N}"[..13];
        var connectionString = await postgres.CreateDatabaseAsync("new_identity");
        await using var grid = await DurableCluster.StartAsync(connectionString, run, silos: 1);
        var crm = IdentityKey("crmId", People.Crm(run, 0));
        var firstDevice = IdentityKey("ecid", People.Device(run, 0));
        var secondDevice = IdentityKey("ecid", People.Device(run, 1));

        await grid.Grains.IngestAll([People.Numbered(run, 0, "identity.login", ("crmId", People.Crm(run, 0)), ("ecid", People.Device(run, 0)))]);

        Assert.Equal((0, 1), (Reads(run, crm), Writes(run, crm)));
        Assert.Equal((0, 1), (Reads(run, firstDevice), Writes(run, firstDevice)));

        // Out of memory, the known identity is read back; the device it arrives with now is new, and is not.
        await grid.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await grid.Grains.IngestAll([People.Numbered(run, 1, "identity.login", ("crmId", People.Crm(run, 0)), ("ecid", People.Device(run, 1)))]);

        Assert.Equal(1, Reads(run, crm));
        Assert.Equal((0, 1), (Reads(run, secondDevice), Writes(run, secondDevice)));
        var person = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!;
        Assert.Equal([$"{run}-0", $"{run}-1"], person.Events.Select(e => e.Id).Order());
        Assert.Equal(person.Id, (await grid.Grains.Lookup("ecid", People.Device(run, 1)))!.Id);
    }

    [PostgresFact]
    public async Task An_identity_the_log_forgot_but_storage_holds_keeps_its_person()
    {
        var run = $"forgot{Guid.NewGuid():N}"[..14];
        var connectionString = await postgres.CreateDatabaseAsync("forgotten_identity");
        var crm = IdentityKey("crmId", People.Crm(run, 0));
        ProfileView before;
        await using (var grid = await DurableCluster.StartAsync(connectionString, run, silos: 1))
        {
            await grid.Grains.IngestAll([People.Numbered(run, 0, "commerce.purchase", ("crmId", People.Crm(run, 0)))]);
            before = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!;
            // Confirmed before the stop, so that no recovery pass wakes the identity's grain (reading it) after the restart.
            await Waiting.UntilAsync(async () => await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_unapplied_events") == 0,
                TimeSpan.FromSeconds(30), "the first event confirmed");
        }
        // The identity's grain row stays; the log no longer knows the identity (as if its events had been deleted).
        Assert.Equal(1, await Sql.ExecuteAsync(connectionString, "DELETE FROM profilegrid_event_identities WHERE namespace = 'crmId' AND value = @value",
            ("value", IdentityRules.Default.Normalize("crmId", People.Crm(run, 0)).Value)));

        // A restarted silo knows no owner: it asks the log about both identities; with a device, the event is planned
        // from the identities' grains (an event of known identities only would go to their profile).
        await using (var grid = await DurableCluster.StartAsync(connectionString, run, silos: 1))
        {
            var writesBefore = Writes(run, crm);
            await grid.Grains.IngestAll([People.Numbered(run, 1, "identity.login", ("crmId", People.Crm(run, 0)), ("ecid", People.Device(run, 0)))]);

            // Taken for new, the grain started empty and tried to claim the identity for a new person; storage refused.
            Assert.Equal(writesBefore + 1, Writes(run, crm));
            var after = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!;
            Assert.Equal(before.Id, after.Id);
            Assert.Equal([$"{run}-0", $"{run}-1"], after.Events.Select(e => e.Id).Order());
            Assert.Equal(after.Id, (await grid.Grains.Lookup("ecid", People.Device(run, 0)))!.Id);
        }
        Assert.Equal(1L, await Sql.ScalarAsync<long>(connectionString,
            "SELECT count(*) FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = 'profile' AND PayloadBinary IS NOT NULL", ("service", run)));
    }

    /// <summary>The identity grain's key of an identity, as normalised by ingestion.</summary>
    private static string IdentityKey(string ns, string id) => $"{ns}:{IdentityRules.Default.Normalize(ns, id).Value}";

    private static int Reads(string run, string key) => StateOperations.Reads(run, "identity", key);

    private static int Writes(string run, string key) => StateOperations.Writes(run, "identity", key);
}
