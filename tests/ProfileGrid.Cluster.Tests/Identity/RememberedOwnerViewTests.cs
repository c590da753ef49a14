namespace ProfileGrid.Cluster.Tests.Identity;

/// <summary>
/// A profile asked for its view by a reader that only remembered it as an identity's owner
/// (<see cref="ProfileViewRequest.OwnerRemembered"/>) answers with its view only while it holds that identity.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RememberedOwnerViewTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_profile_that_no_longer_holds_the_identity_says_so_only_to_a_reader_that_remembered_it()
    {
        var (email, kiosk) = ($"k.{_run}@example.com", $"kiosk-{_run}");
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("email", email), ("ecid", kiosk)));
        var person = (await _grains.Lookup("email", email))!.Id;
        var kioskKey = IdentityRules.Default.Normalize("ecid", kiosk);
        var profile = _grains.GetGrain<IProfileGrain>(person);

        var (held, _) = await profile.GetView(new ProfileViewRequest(LookedUpBy: kioskKey, OwnerRemembered: true));
        Assert.Equal(person, held?.Id);

        Assert.Equal(OutcomeKind.Done, (await profile.Unlink(kioskKey)).Kind);

        var (remembered, lookIn) = await profile.GetView(new ProfileViewRequest(LookedUpBy: kioskKey, OwnerRemembered: true));
        Assert.Null(remembered);
        Assert.Null(lookIn);
        // A reader that found the profile through the identity grain (or by id) is shown it, as before.
        var (found, _) = await profile.GetView(new ProfileViewRequest(LookedUpBy: kioskKey));
        Assert.Equal(person, found?.Id);
    }
}
