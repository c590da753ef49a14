using Orleans.Runtime;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

[Collection(SegmentsClusterCollection.Name)]
public sealed class LiveSegmentsTests(SegmentsClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private string U(string s) => $"{s}-{_run}";

    /// <summary>Waits up to 30 s (of the machine's clock, which timers run on) for the change to be published.</summary>
    private async Task WaitUntilPublished(string profile, string segment, MembershipChangeStatus status)
    {
        for (var i = 0; i < 300 && !fixture.Published.For(profile).Any(c => c.SegmentId == segment && c.Status == status); i++)
            await Task.Delay(100);
        Assert.Contains(fixture.Published.For(profile), c => c.SegmentId == segment && c.Status == status);
    }
    private DateTimeOffset Now => fixture.Clock.GetUtcNow();

    [Fact]
    public async Task Defining_a_segment_evaluates_it_over_existing_profiles_and_fills_its_audience()
    {
        var buyers = Enumerable.Range(0, 5).Select(i => U($"buyer{i}")).ToList();
        var browser = U("browser");
        foreach (var buyer in buyers)
            await _grains.IngestAccepted(Grid.Event("commerce.purchase", ("ecid", buyer)).At(Now.AddHours(-1), revenue: 20, attributes: $"{{\"run\":\"{_run}\"}}"));
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", browser)).At(Now.AddHours(-1), attributes: $"{{\"run\":\"{_run}\"}}"));

        var segment = U("buyers");
        var info = await fixture.Define(segment, $"exists(events where type = \"commerce.purchase\" and attributes.run = \"{_run}\")");

        Assert.Equal(SegmentEvaluationStatus.Completed, info.Evaluation.Status);
        Assert.True(info.Evaluation.Evaluated >= 6 && info.Evaluation.Total >= info.Evaluation.Evaluated - 0);
        var expected = new HashSet<string>();
        foreach (var buyer in buyers) expected.Add(await _grains.ProfileOf("ecid", buyer));
        Assert.Equal(expected, await _grains.Audience(segment));
        Assert.Equal(5, await _grains.AudienceSize(segment));
        Assert.False(await _grains.IsIn("ecid", browser, segment));
        var (memberships, _) = await _grains.GetGrain<IProfileSegmentsGrain>(expected.First()).GetSegments();
        var membership = Assert.Single(memberships, m => m.SegmentId == segment);
        Assert.Equal(MembershipStatus.Realized, membership.Status);
    }

    [Fact]
    public async Task Profiles_enter_and_exit_as_traits_and_events_arrive_and_changes_are_published_in_sequence()
    {
        var plus = U("plus");
        var big = U("big-spender");
        await fixture.Define(plus, $"traits.tier{_run} = \"plus\"");
        await fixture.Define(big, $"inSegment(\"{plus}\") and stats.lifetimeRevenue > 100");
        var email = $"{U("sarah")}@luma.example";

        await _grains.SetTraits("email", email, $"{{\"tier{_run}\":\"plus\"}}", Now);
        var profile = await _grains.ProfileOf("email", email);
        Assert.Equal([plus], (await _grains.SegmentsOf(profile)).Where(s => s.EndsWith(_run)));

        await _grains.IngestAccepted(Grid.Event("commerce.purchase", ("email", email)).At(Now.AddMinutes(-5), revenue: 150));
        Assert.Equal([big, plus], (await _grains.SegmentsOf(profile)).Where(s => s.EndsWith(_run)).Order(StringComparer.Ordinal));

        // Leaving "plus" takes the person out of the segment built on it in the same change.
        await _grains.SetTraits("email", email, $"{{\"tier{_run}\":\"basic\"}}", Now.AddSeconds(1));
        Assert.DoesNotContain(await _grains.SegmentsOf(profile), s => s.EndsWith(_run));
        var (memberships, _) = await _grains.GetGrain<IProfileSegmentsGrain>(profile).GetSegments();
        Assert.All(memberships.Where(m => m.SegmentId.EndsWith(_run)), m => Assert.Equal(MembershipStatus.Exited, m.Status));

        var published = fixture.Published.For(profile);
        Assert.Equal(
            [(plus, MembershipChangeStatus.Entered), (big, MembershipChangeStatus.Entered), (plus, MembershipChangeStatus.Exited), (big, MembershipChangeStatus.Exited)],
            published.Select(c => (c.SegmentId, c.Status)));
        Assert.Equal(published.Select(c => c.Sequence).Order(), published.Select(c => c.Sequence));
        Assert.Equal(published.Count, published.Select(c => c.Sequence).Distinct().Count());
        Assert.Empty(await _grains.Audience(plus));
    }

    [Fact]
    public async Task A_merge_re_evaluates_at_once_and_the_merged_away_profile_exits_every_segment()
    {
        var known = U("known");
        var anonymous = U("anonymous");
        await fixture.Define(known, $"hasIdentity(\"email\") and exists(events where attributes.run = \"{_run}\")");
        await fixture.Define(anonymous, $"not hasIdentity(\"email\") and exists(events where attributes.run = \"{_run}\")");
        var (device, email) = (U("phone"), $"{U("ann")}@luma.example");
        var tag = $"{{\"run\":\"{_run}\"}}";

        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", device)).At(Now.AddMinutes(-3), attributes: tag));
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("email", email)).At(Now.AddMinutes(-2), attributes: tag));
        var deviceProfile = await _grains.ProfileOf("ecid", device);
        var emailProfile = await _grains.ProfileOf("email", email);
        Assert.Equal([anonymous], await _grains.SegmentsOf(deviceProfile));
        Assert.Equal([known], await _grains.SegmentsOf(emailProfile));

        await _grains.IngestAccepted(Grid.Event("web.login", ("email", email), ("ecid", device)).At(Now.AddMinutes(-1), attributes: tag));

        var survivor = await _grains.ProfileOf("ecid", device);
        Assert.Equal(survivor, await _grains.ProfileOf("email", email));
        Assert.Equal([known], await _grains.SegmentsOf(survivor));
        var mergedAway = survivor == deviceProfile ? emailProfile : deviceProfile;
        Assert.NotNull((await _grains.GetGrain<IProfileSegmentsGrain>(mergedAway).GetSegments()).MergedInto);
        Assert.Equal([survivor], await _grains.Audience(known));
        Assert.Empty(await _grains.Audience(anonymous));
        Assert.Equal(MembershipChangeStatus.Exited, fixture.Published.For(mergedAway).Last().Status);
        Assert.DoesNotContain(mergedAway, await _grains.Directory());
    }

    [Fact]
    public async Task Unlinking_re_evaluates_both_sides()
    {
        var known = U("known");
        var anonymous = U("anonymous");
        await fixture.Define(known, $"hasIdentity(\"email\") and exists(events where attributes.run = \"{_run}\")");
        await fixture.Define(anonymous, $"not hasIdentity(\"email\") and exists(events where attributes.run = \"{_run}\")");
        var (device, email) = (U("tablet"), $"{U("bo")}@luma.example");
        var tag = $"{{\"run\":\"{_run}\"}}";
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", device)).At(Now.AddMinutes(-3), attributes: tag));
        await _grains.IngestAccepted(Grid.Event("web.login", ("email", email), ("ecid", device)).At(Now.AddMinutes(-2), attributes: tag));
        var together = await _grains.ProfileOf("ecid", device);
        Assert.Equal([known], await _grains.SegmentsOf(together));

        await _grains.Unlink("ecid", device);

        var deviceProfile = await _grains.ProfileOf("ecid", device);
        var emailProfile = await _grains.ProfileOf("email", email);
        Assert.NotEqual(deviceProfile, emailProfile);
        Assert.Equal([anonymous], await _grains.SegmentsOf(deviceProfile));
        Assert.Equal([known], await _grains.SegmentsOf(emailProfile));
        Assert.Equal([emailProfile], await _grains.Audience(known));
        Assert.Equal([deviceProfile], await _grains.Audience(anonymous));
    }

    [Fact]
    public async Task Windows_and_absences_flip_with_time_alone()
    {
        var recent = U("recent-buyer");
        var lapsed = U("lapsed-yoga");
        await fixture.Define(recent, $"exists(events where type = \"commerce.purchase\" and attributes.run = \"{_run}\" within 30d)");
        await fixture.Define(lapsed,
            $"count(events where type = \"commerce.purchase\" and attributes.category = \"yoga\" and attributes.run = \"{_run}\") >= 1 and not exists(events where type = \"commerce.purchase\" within 30d)");
        var sarah = $"{U("sarah")}@luma.example";
        var boughtAt = Now.AddDays(-1);
        await _grains.IngestAccepted(Grid.Event("commerce.purchase", ("email", sarah)).At(boughtAt, revenue: 40, attributes: $"{{\"run\":\"{_run}\",\"category\":\"yoga\"}}"));
        var profile = await _grains.ProfileOf("email", sarah);
        Assert.Equal([recent], (await _grains.SegmentsOf(profile)).Where(s => s.EndsWith(_run)));

        var grain = _grains.GetGrain<IProfileSegmentsGrain>(profile);
        fixture.Clock.SetUtcNow(boughtAt.AddDays(30).AddSeconds(-1));
        Assert.Equal(boughtAt.AddDays(30), await grain.CheckSegmentTime());
        Assert.Equal([recent], (await _grains.SegmentsOf(profile)).Where(s => s.EndsWith(_run)));

        // The moment the window passes, with no new event (what the reminder runs).
        fixture.Clock.SetUtcNow(boughtAt.AddDays(30));
        await grain.CheckSegmentTime();
        Assert.Equal([lapsed], (await _grains.SegmentsOf(profile)).Where(s => s.EndsWith(_run)));
        Assert.Equal([profile], await _grains.Audience(lapsed));
        Assert.Empty(await _grains.Audience(recent));
        var changes = fixture.Published.For(profile).Where(c => c.SegmentId.EndsWith(_run)).ToList();
        // One pass, in the catalogue's evaluation order (ordinal ids when independent), sequence increasing.
        Assert.Equal([(recent, MembershipChangeStatus.Entered), (lapsed, MembershipChangeStatus.Entered), (recent, MembershipChangeStatus.Exited)],
            changes.Select(c => (c.SegmentId, c.Status)));
        Assert.Equal(changes.Select(c => c.Sequence).Order(), changes.Select(c => c.Sequence));
        Assert.Equal(boughtAt.AddDays(30), changes[^1].At);
    }

    [Fact]
    public async Task The_durable_reminder_flips_a_window_with_no_call_from_anyone()
    {
        var recent = U("recent-visitor");
        await fixture.Define(recent, $"exists(events where type = \"web.pageView\" and attributes.run = \"{_run}\" within 1d)");
        var visitor = U("visitor");
        // The window closes 2 s (of the fake clock) from now; the reminder is armed for then.
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", visitor)).At(Now.AddDays(-1).AddSeconds(2), attributes: $"{{\"run\":\"{_run}\"}}"));
        var profile = await _grains.ProfileOf("ecid", visitor);
        Assert.Contains(recent, await _grains.SegmentsOf(profile));

        fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        // Nobody calls the profile: the reminder service does, once the (fake) clock has reached the reminder's time.
        await WaitUntilPublished(profile, recent, MembershipChangeStatus.Exited);
        Assert.DoesNotContain(recent, await _grains.SegmentsOf(profile));
    }

    [Fact]
    public async Task A_reminder_that_fires_before_its_window_has_passed_arms_itself_again()
    {
        var recent = U("recent-visitor");
        await fixture.Define(recent, $"exists(events where type = \"web.pageView\" and attributes.run = \"{_run}\" within 1d)");
        var visitor = U("early");
        // The window closes 2 s (of the fake clock) from now.
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", visitor)).At(Now.AddDays(-1).AddSeconds(2), attributes: $"{{\"run\":\"{_run}\"}}"));
        var profile = await _grains.ProfileOf("ecid", visitor);

        // The reminder ticks while, for the profile, the window is still open (the reminder service runs on a
        // silo whose clock is ahead; Orleans' reminder service here keeps to the fake clock, so the tick is sent
        // directly): nothing flips, and the reminder is armed again for the window.
        var now = Now.UtcDateTime;
        await _grains.GetGrain<IProfileSegmentsGrain>(profile).AsReference<IRemindable>()
            .ReceiveReminder("segments-time", new TickStatus(now, TimeSpan.FromHours(1), now));
        Assert.Contains(recent, await _grains.SegmentsOf(profile));

        // Now the window passes; the reminder armed again flips it.
        fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        await WaitUntilPublished(profile, recent, MembershipChangeStatus.Exited);
    }

    [Fact]
    public async Task Batch_evaluation_reaches_profiles_that_are_not_in_memory()
    {
        var people = Enumerable.Range(0, 4).Select(i => U($"sleeper{i}")).ToList();
        foreach (var person in people)
            await _grains.IngestAccepted(Grid.Event("app.open", ("ecid", person)).At(Now.AddMinutes(-10), attributes: $"{{\"run\":\"{_run}\"}}"));
        var ids = new HashSet<string>();
        foreach (var person in people) ids.Add(await _grains.ProfileOf("ecid", person));

        var management = _grains.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var active = await management.GetActiveGrains(GrainType.Create("profile"));
        Assert.DoesNotContain(active, g => ids.Contains(g.Key.ToString()!));

        var segment = U("app-users");
        await fixture.Define(segment, $"exists(events where type = \"app.open\" and attributes.run = \"{_run}\")");
        Assert.Equal(ids, await _grains.Audience(segment));

        // Woken only to be evaluated, they go back to sleep.
        for (var i = 0; i < 100 && (await management.GetActiveGrains(GrainType.Create("profile"))).Any(g => ids.Contains(g.Key.ToString()!)); i++)
            await Task.Delay(100);
        Assert.DoesNotContain(await management.GetActiveGrains(GrainType.Create("profile")), g => ids.Contains(g.Key.ToString()!));
    }

    [Fact]
    public async Task Explain_shows_why_a_person_is_in_or_out()
    {
        var segment = U("yoga-not-recent");
        await fixture.Define(segment,
            $"count(events where type = \"commerce.purchase\" and attributes.run = \"{_run}\") >= 1\n  and not exists(events where type = \"commerce.purchase\" within 30d)");
        var email = $"{U("cy")}@luma.example";
        await _grains.IngestAccepted(Grid.Event("commerce.purchase", ("email", email)).At(Now.AddDays(-2), revenue: 10, attributes: $"{{\"run\":\"{_run}\"}}"));
        var profile = await _grains.ProfileOf("email", email);

        var (explanation, _) = await _grains.GetGrain<IProfileSegmentsGrain>(profile).ExplainSegment(segment);

        Assert.NotNull(explanation);
        Assert.False(explanation.IsMember);
        Assert.Equal(2, explanation.Conditions.Length);
        Assert.True(explanation.Conditions[0].Satisfied);
        Assert.Equal("1", explanation.Conditions[0].Value);
        Assert.True(explanation.Conditions[1].Negated);
        Assert.False(explanation.Conditions[1].Satisfied);
        Assert.Equal(2, explanation.Conditions[1].Line);
        Assert.Null((await _grains.GetGrain<IProfileSegmentsGrain>(profile).ExplainSegment(U("no-such-segment"))).Explanation);
    }

    [Fact]
    public async Task Redefining_replaces_and_re_evaluates_and_deleting_empties_the_audience()
    {
        var segment = U("channel");
        var (web, app) = (U("web-user"), U("app-user"));
        await _grains.IngestAccepted(Grid.Event("web.visit", ("ecid", web)).At(Now.AddMinutes(-1), attributes: $"{{\"run\":\"{_run}\",\"via\":\"web\"}}"));
        await _grains.IngestAccepted(Grid.Event("web.visit", ("ecid", app)).At(Now.AddMinutes(-1), attributes: $"{{\"run\":\"{_run}\",\"via\":\"app\"}}"));
        var (webProfile, appProfile) = (await _grains.ProfileOf("ecid", web), await _grains.ProfileOf("ecid", app));

        await fixture.Define(segment, $"exists(events where attributes.run = \"{_run}\" and attributes.via = \"web\")");
        Assert.Equal([webProfile], await _grains.Audience(segment));
        await fixture.Define(segment, $"exists(events where attributes.run = \"{_run}\" and attributes.via = \"app\")");
        Assert.Equal([appProfile], await _grains.Audience(segment));
        Assert.False(await _grains.IsIn("ecid", web, segment));

        Assert.True((await fixture.Registry.Delete(segment)).Succeeded);
        Assert.Null(await fixture.Registry.Get(segment));
        Assert.Empty(await _grains.Audience(segment));
        // Silos learn of the deletion within one catalogue refresh (50 ms here); the membership then disappears.
        for (var i = 0; i < 100 && (await _grains.SegmentsOf(appProfile)).Contains(segment); i++) await Task.Delay(20);
        Assert.DoesNotContain(segment, await _grains.SegmentsOf(appProfile));
        await _grains.IngestAccepted(Grid.Event("web.visit", ("ecid", app)).At(Now, attributes: $"{{\"run\":\"{_run}\",\"via\":\"app\"}}"));
        Assert.Empty(await _grains.Audience(segment));
    }

    [Fact]
    public async Task Bad_definitions_are_refused_with_field_rule_and_position_and_nothing_changes()
    {
        var before = await fixture.Registry.GetCatalog(-1);

        var syntax = await fixture.Registry.Define(U("bad"), "bad", "traits.tier = \n  \"plus\" and and");
        var problem = Assert.Single(syntax.Problems);
        Assert.Equal(("expression", "segment language", 2, 14), (problem.Field, problem.Rule, problem.Line, problem.Column));
        Assert.Contains("found", problem.Message);
        Assert.Contains("expected", problem.Message);

        var type = await fixture.Registry.Define(U("bad"), "bad", "stats.lifetimeRevenue > \"lots\"");
        Assert.Equal("segment language", Assert.Single(type.Problems).Rule);
        Assert.Contains("segment language", (await fixture.Registry.Define(U("bad"), "bad", "stats.noSuchField > 1")).Problems.Select(p => p.Rule));

        var unknown = await fixture.Registry.Define(U("bad"), "bad", $"inSegment(\"{U("missing")}\")");
        Assert.Equal(("expression", "inSegment reference", 1, 1), (unknown.Problems[0].Field, unknown.Problems[0].Rule, unknown.Problems[0].Line, unknown.Problems[0].Column));

        await fixture.Define(U("a"), "traits.x = 1");
        await fixture.Define(U("b"), $"inSegment(\"{U("a")}\")");
        var cycle = await fixture.Registry.Define(U("a"), "a", $"inSegment(\"{U("b")}\")");
        Assert.Equal("inSegment cycle", Assert.Single(cycle.Problems).Rule);
        Assert.Contains("cycle", cycle.Problems[0].Message);
        Assert.Equal("traits.x = 1", (await fixture.Registry.Get(U("a")))!.Definition.Expression);

        var referenced = await fixture.Registry.Delete(U("a"));
        Assert.Equal("inSegment reference", Assert.Single(referenced.Problems).Rule);
        Assert.Equal("unknown segment", Assert.Single((await fixture.Registry.Delete(U("never"))).Problems).Rule);
        var unnamed = Assert.Single((await fixture.Registry.Define(U("c"), " ", "traits.x = 1")).Problems);
        Assert.Equal(("name", "required"), (unnamed.Field, unnamed.Rule));

        var after = await fixture.Registry.GetCatalog(-1);
        Assert.Equal(before!.Version + 2, after!.Version);
    }
}

public sealed class SegmentLimitsTests(SegmentLimitsClusterFixture fixture) : IClassFixture<SegmentLimitsClusterFixture>
{
    [Fact]
    public async Task Segment_count_and_expression_length_limits_are_reported_by_name()
    {
        var tooLong = await fixture.Registry.Define("long", "long", "traits.tier = \"" + new string('x', 40) + "\"");
        var problem = Assert.Single(tooLong.Problems);
        Assert.Equal(("expression", "ProfileGrid:Segments:MaxExpressionLength"), (problem.Field, problem.Rule));

        Assert.True((await fixture.Registry.Define("one", "one", "traits.a = 1")).Succeeded);
        Assert.True((await fixture.Registry.Define("two", "two", "traits.b = 1")).Succeeded);
        var third = await fixture.Registry.Define("three", "three", "traits.c = 1");
        Assert.Equal("ProfileGrid:Segments:MaxSegments", Assert.Single(third.Problems).Rule);
        Assert.Contains("at most 2", third.Problems[0].Message);
        // Redefining an existing segment is not a new one.
        Assert.True((await fixture.Registry.Define("two", "two", "traits.b = 2")).Succeeded);
        Assert.Equal(2, (await fixture.Registry.List()).Length);
    }
}
