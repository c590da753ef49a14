namespace ProfileGrid.Cluster.Tests.Identity;

[Collection(ClusterCollection.Name)]
public sealed class StitchingRulesTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private string U(string s) => $"{s}-{_run}";

    [Fact]
    public async Task Shared_device_follows_whoever_authenticated_on_it_last_with_its_anonymous_events()
    {
        var (alice, bob, laptop) = (U("CRM-ALICE"), U("CRM-BOB"), U("laptop"));
        await _grains.IngestAccepted(Grid.Event("web.login", ("crmId", alice), ("ecid", laptop)));
        var anonymousBrowsing = Grid.Event("web.pageView", ("ecid", laptop));
        await _grains.IngestAccepted(anonymousBrowsing);
        Assert.Contains(anonymousBrowsing.Id, (await _grains.Lookup("crmId", alice))!.Events.Select(e => e.Id));

        await _grains.IngestAccepted(Grid.Event("web.login", ("crmId", bob), ("ecid", laptop)));

        var aliceView = (await _grains.Lookup("crmId", alice))!;
        var bobView = (await _grains.Lookup("crmId", bob))!;
        Assert.NotEqual(aliceView.Id, bobView.Id);
        Assert.Equal([$"crmId:{alice}"], aliceView.Ids());
        Assert.Equal([$"crmId:{bob}", $"ecid:{laptop}"], bobView.Ids().Order());
        Assert.Equal(bobView.Id, (await _grains.Lookup("ecid", laptop))!.Id);
        // The anonymous event follows the device; Alice's authenticated login stays with her.
        Assert.Contains(anonymousBrowsing.Id, bobView.Events.Select(e => e.Id));
        Assert.DoesNotContain(anonymousBrowsing.Id, aliceView.Events.Select(e => e.Id));
        Assert.Single(aliceView.Events);

        // A new anonymous event on the laptop belongs to Bob now; when Alice signs in again it moves back.
        var later = Grid.Event("web.pageView", ("ecid", laptop));
        await _grains.IngestAccepted(later);
        Assert.Contains(later.Id, (await _grains.Lookup("crmId", bob))!.Events.Select(e => e.Id));
        await _grains.IngestAccepted(Grid.Event("web.login", ("crmId", alice), ("ecid", laptop)));
        Assert.Equal((await _grains.Lookup("crmId", alice))!.Id, (await _grains.Lookup("ecid", laptop))!.Id);
        Assert.Contains(later.Id, (await _grains.Lookup("crmId", alice))!.Events.Select(e => e.Id));
        Assert.Equal([$"crmId:{bob}"], (await _grains.Lookup("crmId", bob))!.Ids());
    }

    [Fact]
    public async Task Conflicting_authenticated_identities_are_not_merged_and_the_skip_is_reported()
    {
        var (a, b, email) = (U("CRM-A"), U("CRM-B"), $"{U("x")}@luma.example");
        await _grains.IngestAccepted(Grid.Event("web.login", ("crmId", b), ("email", email)));
        var result = await _grains.Ingest(Grid.Event("web.login", ("crmId", a), ("email", email)));
        Assert.Equal(1, result.Accepted);
        Assert.Contains(result.Warnings, w => w.Message.Contains($"email:{email}") && w.Message.Contains("crmId"));
        Assert.Equal([$"crmId:{a}"], (await _grains.Lookup("crmId", a))!.Ids());
        Assert.Equal((await _grains.Lookup("crmId", b))!.Id, (await _grains.Lookup("email", email))!.Id);
    }

    [Fact]
    public async Task Anonymous_history_merges_into_the_person_who_signs_in_and_the_merged_id_still_finds_them()
    {
        var (crm, email, phone) = (U("CRM-S"), $"{U("sarah")}@luma.example", U("phone"));
        await _grains.IngestAccepted(Grid.Event("commerce.purchase", ("crmId", crm), ("email", email)));
        await _grains.IngestAccepted(Grid.Event("ad.click", ("ecid", phone)), Grid.Event("commerce.addToCart", ("ecid", phone)));
        var anonymousId = (await _grains.Lookup("ecid", phone))!.Id;
        var sarahId = (await _grains.Lookup("crmId", crm))!.Id;
        Assert.NotEqual(anonymousId, sarahId);

        await _grains.IngestAccepted(Grid.Event("web.login", ("email", email), ("ecid", phone)));

        var sarah = (await _grains.Lookup("email", email.ToUpperInvariant()))!;
        Assert.Equal([$"crmId:{crm}", $"ecid:{phone}", $"email:{email}"], sarah.Ids().Order());
        Assert.Equal(4, sarah.Events.Length);
        Assert.Equal(sarah.Id, string.CompareOrdinal(sarahId, anonymousId) < 0 ? sarahId : anonymousId);
        Assert.Equal(sarah.Id, (await _grains.ById(anonymousId))!.Id);
        Assert.Equal(sarah.Id, (await _grains.ById(sarahId))!.Id);
        Assert.Contains(sarah.Links, l => l.SourceEventId.StartsWith("evt-") && l.Touches(new IdentityKey("ecid", phone)));
    }

    [Fact]
    public async Task Unlink_separates_the_identity_and_rederives_both_sides_from_their_own_facts()
    {
        var (email, laptop, phone) = ($"{U("u")}@luma.example", U("laptop"), U("phone"));
        var onLaptop = Grid.Event("web.pageView", ("ecid", laptop));
        await _grains.IngestAccepted(
            Grid.Event("web.login", ("email", email), ("ecid", laptop)),
            Grid.Event("web.login", ("email", email), ("ecid", phone)));
        await _grains.IngestAccepted(onLaptop);
        var before = (await _grains.Lookup("email", email))!;
        Assert.Equal(3, before.Identities.Length);

        var newId = await _grains.GetGrain<IIngestGrain>(0).Unlink(IdentityRules.Default.Normalize("ecid", laptop));

        var laptopView = (await _grains.Lookup("ecid", laptop))!;
        var emailView = (await _grains.Lookup("email", email))!;
        Assert.Equal(newId, laptopView.Id);
        Assert.NotEqual(emailView.Id, laptopView.Id);
        Assert.Equal([$"ecid:{laptop}"], laptopView.Ids());
        Assert.Equal([$"ecid:{phone}", $"email:{email}"], emailView.Ids().Order());
        Assert.Equal([onLaptop.Id], laptopView.Events.Select(e => e.Id));
        Assert.Equal(2, emailView.Events.Length);
        Assert.DoesNotContain(emailView.Links, l => l.Touches(new IdentityKey("ecid", laptop)));
    }

    [Fact]
    public async Task Resending_an_event_is_a_duplicate_and_changes_nothing()
    {
        var email = $"{U("dup")}@luma.example";
        var e = Grid.Event("commerce.purchase", ("email", email)) with { Revenue = 42 };
        await _grains.IngestAccepted(e);
        var before = (await _grains.Lookup("email", email))!;

        var again = await _grains.Ingest(e, e);
        Assert.Equal(0, again.Accepted);
        Assert.Equal(2, again.Duplicates);
        var after = (await _grains.Lookup("email", email))!;
        Assert.Equal(before.Stats with { CountsByType = [] }, after.Stats with { CountsByType = [] });
        Assert.Equal(before.Stats.CountsByType.ToArray(), after.Stats.CountsByType.ToArray());
        Assert.Single(after.Events);
        Assert.Equal(42, after.Stats.LifetimeRevenue);
    }

    [Fact]
    public async Task A_batch_with_bad_events_accepts_the_good_ones_and_names_each_bad_field()
    {
        var good = Grid.Event("web.pageView", ("email", $"{U("ok")}@luma.example"));
        var result = await _grains.Ingest(
            good,
            good with { Id = null },
            Grid.Event("web.pageView", ("fax", "123")),
            Grid.Event("pageview", ("ecid", U("d"))),
            Grid.Event("web.pageView", ("email", "null")));
        Assert.Equal(1, result.Accepted);
        Assert.Collection(result.Rejected,
            r => { Assert.Equal(1, r.Index); Assert.Contains("id: required", r.Reason); },
            r => { Assert.Equal(2, r.Index); Assert.Contains("namespace 'fax' is not configured", r.Reason); },
            r => { Assert.Equal(3, r.Index); Assert.Contains("type:", r.Reason); },
            r => { Assert.Equal(4, r.Index); Assert.Contains("blocked value", r.Reason); });
    }

    [Fact]
    public async Task Traits_keep_the_newest_observation_per_attribute_whatever_the_arrival_order()
    {
        var crm = U("CRM-T");
        var ingest = _grains.GetGrain<IIngestGrain>(0);
        var key = IdentityRules.Default.Normalize("crmId", crm);
        var t0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
        await ingest.SetTraits(key, """{"tier":"plus","city":"Oakland"}""", t0.AddDays(2));
        await ingest.SetTraits(key, """{"tier":"basic","city":"Berkeley"}""", t0.AddDays(1));
        await ingest.SetTraits(key, """{"city":"San Francisco"}""", t0.AddDays(3));
        var view = (await _grains.Lookup("crmId", crm))!;
        var traits = JsonDocument.Parse(view.TraitsJson).RootElement;
        Assert.Equal("plus", traits.GetProperty("tier").GetString());
        Assert.Equal("San Francisco", traits.GetProperty("city").GetString());
    }
}
