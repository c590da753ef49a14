namespace ProfileGrid.Cluster.Tests.Ingestion;

/// <summary>
/// Identities are claimed for a new person before the profile is written. A silo that dies in between
/// leaves identities pointing at a profile that storage lacks; events for those identities must still
/// be stitched (the events of the lost write come back from the log through recovery).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LostCreationTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task An_event_for_an_identity_pointing_at_a_profile_never_written_creates_that_profile()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var lost = ProfileIds.New();
        await PointAt(("crmId", $"crm-{run}"), lost);

        var result = await _grains.Ingest(Grid.Event("web.login", ("crmId", $"crm-{run}"), ("ecid", $"dev-{run}")));

        Assert.Equal(1, result.Accepted);
        var person = (await _grains.Lookup("ecid", $"dev-{run}"))!;
        Assert.Equal(lost, person.Id);
        Assert.Equal([$"crmId:crm-{run}", $"ecid:dev-{run}"], person.Ids());
    }

    [Fact]
    public async Task An_event_linking_a_lost_profiles_identity_to_a_living_person_joins_that_person()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", $"dev-{run}")));
        var living = (await _grains.Lookup("ecid", $"dev-{run}"))!.Id;
        // A lost profile is newer than the living one (ids are time-ordered; within one millisecond they are not).
        string lost;
        do lost = ProfileIds.New(); while (string.CompareOrdinal(lost, living) <= 0);
        await PointAt(("crmId", $"crm-{run}"), lost);

        var result = await _grains.Ingest(Grid.Event("web.login", ("crmId", $"crm-{run}"), ("ecid", $"dev-{run}")));

        Assert.Equal(1, result.Accepted);
        var byCrm = (await _grains.Lookup("crmId", $"crm-{run}"))!;
        var byDevice = (await _grains.Lookup("ecid", $"dev-{run}"))!;
        Assert.Equal(byDevice.Id, byCrm.Id);
        Assert.Equal(living, byCrm.Id);
        Assert.Equal(2, byCrm.Events.Length);
    }

    private async Task PointAt((string Ns, string Id) identity, string profileId)
    {
        var key = IdentityRules.Default.Normalize(identity.Ns, identity.Id);
        Assert.Null(await _grains.GetGrain<IIdentityGrain>(key.ToString()).CompareAndSetOwner(null, profileId));
    }
}
