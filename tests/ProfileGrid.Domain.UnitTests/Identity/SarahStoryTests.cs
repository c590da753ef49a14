using static ProfileGrid.Domain.UnitTests.Support.Ids;

namespace ProfileGrid.Domain.UnitTests.Identity;

/// <summary>
/// Sarah's story from the use-case documents, event by event through the stitching rules as the grains
/// apply them (<see cref="SequentialGrid"/>). Events go through <see cref="EventValidator"/> first, so the
/// identities are the normalised ones ingestion stores.
/// </summary>
public class SarahStoryTests
{
    private static readonly IdentityKey SarahCrm = K("crmId:CRM-SARAH");
    private static readonly IdentityKey SarahLoyalty = K("loyaltyId:LUMA-PLUS-0042");
    private static readonly IdentityKey SarahEmail = K("email:sarah.miller@luma.example");
    private static readonly IdentityKey SarahPhone = K("phone:+14155550142");
    private static readonly IdentityKey Laptop = K("ecid:laptop-7f3a");
    private static readonly IdentityKey PhoneDevice = K("ecid:phone-91c2");
    private static readonly IdentityKey BrotherCrm = K("crmId:CRM-DANIEL");

    private readonly FakeTimeProvider _time = new(T0);
    private readonly EventValidator _validator;
    private readonly SequentialGrid _grid = new(IdentityRules.Default);
    private int _minute;

    public SarahStoryTests()
    {
        _validator = new EventValidator(new IngestionOptions(), IdentityRules.Default, _time);
    }

    /// <summary>Validates and stitches an event sent a minute after the previous one; returns its id.</summary>
    private string Send(string id, string type, string channel, double? revenue, params (string Namespace, string Id)[] identities)
    {
        _time.Advance(TimeSpan.FromMinutes(1));
        var raw = new RawEvent
        {
            Id = id,
            Type = type,
            Timestamp = At(++_minute).ToString("O", CultureInfo.InvariantCulture),
            Identities = [.. identities.Select(i => new RawIdentity(i.Namespace, i.Id))],
            Channel = channel,
            Revenue = revenue,
            SizeBytes = 200,
        };
        Assert.True(_validator.TryValidate(raw, out var e, out var reason), reason);
        _grid.Apply(e);
        return id;
    }

    private string SarahId => _grid.ProfileOf(SarahCrm).Id;

    private void AssertProfile(IdentityKey anyIdentity, string identities, params string[] eventIds)
    {
        var profile = _grid.ProfileOf(anyIdentity);
        Assert.Equal(identities, Show(profile.Graph.Identities));
        Assert.Equal(eventIds.Order(StringComparer.Ordinal), profile.EventIds.Order(StringComparer.Ordinal));
    }

    private void AssertUniqueNamespacesHoldOneValue()
    {
        foreach (var profile in _grid.Profiles)
            Assert.All(profile.Graph.UniqueIdentities(IdentityRules.Default).GroupBy(k => k.Namespace), g => Assert.Single(g));
    }

    [Fact]
    public void Sarah_is_stitched_step_by_step_and_a_shared_laptop_follows_whoever_signed_in_last()
    {
        // 1. In-store purchase with her CRM and loyalty ids: a new profile.
        Send("e01-store", "commerce.purchase", "inStore", 80, ("crmId", "CRM-SARAH"), ("loyaltyId", "LUMA-PLUS-0042"));
        Assert.Equal("p0001", SarahId);
        AssertProfile(SarahCrm, "crmId:CRM-SARAH loyaltyId:LUMA-PLUS-0042", "e01-store");
        Assert.Equal("crmId:CRM-SARAH loyaltyId:LUMA-PLUS-0042", Line(_grid.LastPlan!.Claims));

        // 2. Online purchase on her laptop: CRM id + email (as typed) + laptop ecid join her profile.
        Send("e02-online", "commerce.purchase", "web", 45.5, ("crmId", "CRM-SARAH"), ("email", " Sarah.Miller@Luma.example "), ("ecid", "laptop-7f3a"));
        AssertProfile(SarahEmail, "crmId:CRM-SARAH ecid:laptop-7f3a email:sarah.miller@luma.example loyaltyId:LUMA-PLUS-0042", "e01-store", "e02-online");
        Assert.Equal(Line([SarahEmail, Laptop]), Line(_grid.LastPlan!.Claims));
        Assert.Single(_grid.Profiles);

        // 3. Anonymous ad click on her phone: a new anonymous profile.
        Send("e03-adclick", "ad.click", "ad", null, ("ecid", "phone-91c2"));
        Assert.Equal("p0002", _grid.ProfileOf(PhoneDevice).Id);
        AssertProfile(PhoneDevice, "ecid:phone-91c2", "e03-adclick");
        AssertProfile(SarahCrm, "crmId:CRM-SARAH ecid:laptop-7f3a email:sarah.miller@luma.example loyaltyId:LUMA-PLUS-0042", "e01-store", "e02-online");

        // 4. Anonymous add to cart on the phone: same anonymous profile (fast path, no plan).
        Send("e04-cart", "commerce.addToCart", "mobile", null, ("ecid", "phone-91c2"));
        Assert.Null(_grid.LastPlan);
        AssertProfile(PhoneDevice, "ecid:phone-91c2", "e03-adclick", "e04-cart");

        // 5. She signs in on the phone with her email: the anonymous profile merges into hers; the lower id survives.
        Send("e05-signin", "web.login", "mobile", null, ("email", "sarah.miller@luma.example"), ("ecid", "phone-91c2"));
        Assert.Equal("p0001", _grid.LastPlan!.TargetProfileId);
        Assert.Equal(["p0002"], _grid.LastPlan.Merges.ToArray());
        Assert.Equal("p0001", _grid.Resolve("p0002"));
        Assert.Single(_grid.Profiles);
        AssertProfile(PhoneDevice,
            "crmId:CRM-SARAH ecid:laptop-7f3a ecid:phone-91c2 email:sarah.miller@luma.example loyaltyId:LUMA-PLUS-0042",
            "e01-store", "e02-online", "e03-adclick", "e04-cart", "e05-signin");

        // 6. The call center: she calls from "+1 (415) 555-0142" and gives her loyalty number: her phone is claimed.
        Send("e06-call", "call.inbound", "callCenter", null, ("phone", "+1 (415) 555-0142"), ("loyaltyId", "LUMA-PLUS-0042"));
        Assert.Equal(Line([SarahPhone]), Line(_grid.LastPlan!.Claims));
        Assert.Equal(SarahId, _grid.ProfileOf(SarahPhone).Id);

        // 7. She buys the yoga shorts.
        Send("e07-purchase", "commerce.purchase", "web", 39.99, ("crmId", "CRM-SARAH"), ("ecid", "phone-91c2"));
        var sarahsEvents = new[] { "e01-store", "e02-online", "e03-adclick", "e04-cart", "e05-signin", "e06-call", "e07-purchase" };
        const string sarahWithEverything =
            "crmId:CRM-SARAH ecid:laptop-7f3a ecid:phone-91c2 email:sarah.miller@luma.example loyaltyId:LUMA-PLUS-0042 phone:+14155550142";
        AssertProfile(SarahCrm, sarahWithEverything, sarahsEvents);
        AssertUniqueNamespacesHoldOneValue();

        // 8. Her brother signs in on the family laptop: the laptop moves to him (a new person); no merge.
        Send("e08-brother", "web.login", "web", null, ("crmId", "CRM-DANIEL"), ("ecid", "laptop-7f3a"));
        Assert.Null(_grid.LastPlan!.TargetProfileId);
        Assert.Empty(_grid.LastPlan.Merges);
        Assert.Equal([new Relink(Laptop, "p0001")], _grid.LastPlan.Relinks.ToArray());
        var brotherId = _grid.ProfileOf(BrotherCrm).Id;
        Assert.Equal("p0003", brotherId);
        Assert.Equal(brotherId, _grid.ProfileOf(Laptop).Id);
        AssertProfile(BrotherCrm, "crmId:CRM-DANIEL ecid:laptop-7f3a", "e08-brother");
        // Sarah keeps everything else, including her online purchase made on the laptop (it belongs to her crmId).
        AssertProfile(SarahCrm,
            "crmId:CRM-SARAH ecid:phone-91c2 email:sarah.miller@luma.example loyaltyId:LUMA-PLUS-0042 phone:+14155550142",
            sarahsEvents);
        Assert.DoesNotContain(_grid.ProfileOf(SarahCrm).Graph.Links, l => l.Touches(Laptop));
        AssertUniqueNamespacesHoldOneValue();

        // 9. Anonymous browsing on the laptop now belongs to the brother.
        Send("e09-laptop-browse", "web.pageView", "web", null, ("ecid", "laptop-7f3a"));
        Assert.Equal(brotherId, _grid.ProfileOfEvent("e09-laptop-browse").Id);
        AssertProfile(BrotherCrm, "crmId:CRM-DANIEL ecid:laptop-7f3a", "e08-brother", "e09-laptop-browse");

        // 10. Sarah signs in on the laptop again: it moves back to her with its anonymous events; the brother keeps his login.
        Send("e10-sarah-again", "web.login", "web", null, ("email", "Sarah.Miller@luma.example"), ("ecid", "laptop-7f3a"));
        Assert.Equal(SarahId, _grid.LastPlan!.TargetProfileId);
        Assert.Equal([new Relink(Laptop, brotherId)], _grid.LastPlan.Relinks.ToArray());
        Assert.Empty(_grid.LastPlan.Merges);
        AssertProfile(SarahCrm, sarahWithEverything, [.. sarahsEvents, "e09-laptop-browse", "e10-sarah-again"]);
        AssertProfile(BrotherCrm, "crmId:CRM-DANIEL", "e08-brother");
        Assert.Equal(2, _grid.Profiles.Count);
        AssertUniqueNamespacesHoldOneValue();

        // The link history says who linked what, when and from which event.
        var emailToLaptop = Assert.Single(_grid.ProfileOf(SarahCrm).Graph.Links, l => l.SamePair(SarahEmail, Laptop));
        Assert.Equal("e10-sarah-again", emailToLaptop.SourceEventId);
        Assert.Equal(At(10), emailToLaptop.At);

        // Unlinking her email leaves the email alone in a profile of its own, with the events it owns.
        // The laptop hung only off the email (since step 10) and becomes an anonymous person of its own;
        // the phone stays, linked to her crmId by her purchase in step 7.
        var emailProfile = _grid.Unlink(SarahEmail);
        Assert.NotEqual(SarahId, emailProfile);
        Assert.Equal(emailProfile, _grid.OwnerOf(SarahEmail));
        AssertProfile(SarahEmail, "email:sarah.miller@luma.example", "e05-signin", "e10-sarah-again");
        AssertProfile(SarahCrm, "crmId:CRM-SARAH ecid:phone-91c2 loyaltyId:LUMA-PLUS-0042 phone:+14155550142",
            "e01-store", "e02-online", "e03-adclick", "e04-cart", "e06-call", "e07-purchase");
        AssertProfile(Laptop, "ecid:laptop-7f3a", "e09-laptop-browse");
        AssertProfile(BrotherCrm, "crmId:CRM-DANIEL", "e08-brother");
        Assert.Empty(_grid.ProfileOf(SarahEmail).Graph.Links);
        Assert.Equal(4, _grid.Profiles.Count);
    }

    [Fact]
    public void Anonymous_history_of_a_shared_device_moves_with_it_to_the_person_who_signs_in()
    {
        Send("e1", "web.login", "web", null, ("crmId", "CRM-SARAH"), ("ecid", "laptop-7f3a"));
        Send("e2", "web.pageView", "web", null, ("ecid", "laptop-7f3a"));
        Send("e3", "web.pageView", "web", null, ("ecid", "laptop-7f3a"), ("ecid", "tablet-1"));
        AssertProfile(SarahCrm, "crmId:CRM-SARAH ecid:laptop-7f3a ecid:tablet-1", "e1", "e2", "e3");

        Send("e4", "web.login", "web", null, ("crmId", "CRM-DANIEL"), ("ecid", "laptop-7f3a"));

        // The laptop takes its anonymous events and the tablet that hung off it; Sarah keeps her login.
        AssertProfile(BrotherCrm, "crmId:CRM-DANIEL ecid:laptop-7f3a ecid:tablet-1", "e2", "e3", "e4");
        AssertProfile(SarahCrm, "crmId:CRM-SARAH", "e1");
    }

    [Fact]
    public void Conflicting_sign_in_is_reported_and_the_email_stays_with_its_person()
    {
        Send("e1", "web.login", "web", null, ("crmId", "CRM-DANIEL"), ("email", "shared@luma.example"));
        Send("e2", "web.login", "web", null, ("crmId", "CRM-SARAH"), ("email", "shared@luma.example"));

        AssertProfile(BrotherCrm, "crmId:CRM-DANIEL email:shared@luma.example", "e1");
        AssertProfile(SarahCrm, "crmId:CRM-SARAH", "e2");
        var warning = Assert.Single(_grid.LastWarnings);
        Assert.Contains("email:shared@luma.example", warning, StringComparison.Ordinal);
        Assert.Contains("another crmId", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_that_bridged_two_people_leaves_them_apart_when_it_moves()
    {
        // Sarah's crmId and an email reached her only through the laptop.
        Send("e1", "web.login", "web", null, ("crmId", "CRM-SARAH"), ("ecid", "laptop-7f3a"));
        Send("e2", "web.login", "web", null, ("email", "sarah.miller@luma.example"), ("ecid", "laptop-7f3a"));
        AssertProfile(SarahCrm, "crmId:CRM-SARAH ecid:laptop-7f3a email:sarah.miller@luma.example", "e1", "e2");

        Send("e3", "web.login", "web", null, ("crmId", "CRM-DANIEL"), ("ecid", "laptop-7f3a"));

        AssertProfile(BrotherCrm, "crmId:CRM-DANIEL ecid:laptop-7f3a", "e3");
        AssertProfile(SarahCrm, "crmId:CRM-SARAH", "e1");
        AssertProfile(SarahEmail, "email:sarah.miller@luma.example", "e2");
        Assert.Equal(3, _grid.Profiles.Count);
    }

    [Fact]
    public void Graph_limit_drops_the_oldest_link_and_the_part_that_falls_off_becomes_a_person()
    {
        var grid = new SequentialGrid(new IdentityRules(new IdentityOptions { MaxIdentitiesPerGraph = 3 }));
        CustomerEvent E(string id, int minute, string identities) => new()
        {
            Id = id, Type = "web.login", Timestamp = At(minute), Identities = Ks(identities),
        };
        grid.Apply(E("e1", 1, "crmId:A ecid:1"));
        grid.Apply(E("e2", 2, "crmId:A ecid:2"));
        grid.Apply(E("e3", 3, "ecid:1 ecid:9"));

        // Four identities: the oldest link (crmId:A - ecid:1 from e1) goes, and ecid:1 leaves with ecid:9 and
        // the event it owns; the crmId's side keeps its own event.
        Assert.Contains(grid.LastWarnings, w => w.Contains("crmId:A - ecid:1 from event e1", StringComparison.Ordinal));
        Assert.Equal("crmId:A ecid:2", Show(grid.ProfileOf(K("crmId:A")).Graph.Identities));
        Assert.Equal(["e1", "e2"], grid.ProfileOf(K("crmId:A")).EventIds);
        Assert.Equal("ecid:1 ecid:9", Show(grid.ProfileOf(K("ecid:1")).Graph.Identities));
        Assert.Equal(["e3"], grid.ProfileOf(K("ecid:1")).EventIds);

        grid.Apply(E("e4", 4, "crmId:A ecid:3"));
        Assert.Empty(grid.LastWarnings);
        Assert.Equal("crmId:A ecid:2 ecid:3", Show(grid.ProfileOf(K("crmId:A")).Graph.Identities));
    }
}
