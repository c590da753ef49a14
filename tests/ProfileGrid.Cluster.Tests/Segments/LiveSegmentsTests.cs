using Orleans.Runtime;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

[Collection(SegmentsClusterCollection.Name)]
public sealed class LiveSegmentsTests(SegmentsClusterFixture fixture) : SegmentsTest(fixture)
{
    /// <summary>
    /// Waits up to 30 s (of the machine's clock, which timers run on) for the change to be published. The fake
    /// clock creeps on by a millisecond a poll, as a real one would: Orleans' reminder service, when it computes
    /// its wait after the tick's time has been reached, waits until a millisecond past "now", which a frozen
    /// clock never reaches.
    /// </summary>
    private async Task WaitUntilPublished(string profile, string segment, MembershipChangeStatus status)
    {
        for (var i = 0; i < 300 && !Fixture.Published.For(profile).Any(c => c.SegmentId == segment && c.Status == status); i++)
        {
            await Task.Delay(100);
            Fixture.Clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Contains(Fixture.Published.For(profile), c => c.SegmentId == segment && c.Status == status);
    }

    [Fact]
    public async Task Defining_a_segment_evaluates_it_over_existing_profiles_and_fills_its_audience()
    {
        var buyers = Enumerable.Range(0, 5).Select(i => U($"buyer{i}")).ToList();
        var browser = U("browser");
        foreach (var buyer in buyers)
            await Grains.IngestAccepted(Grid.Event("commerce.purchase", ("ecid", buyer)).At(Now.AddHours(-1), revenue: 20, attributes: $"{{\"run\":\"{Run}\"}}"));
        await Grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", browser)).At(Now.AddHours(-1), attributes: $"{{\"run\":\"{Run}\"}}"));

        var segment = U("buyers");
        var info = await Fixture.Define(segment, $"exists(events where type = \"commerce.purchase\" and attributes.run = \"{Run}\")");

        Assert.Equal(SegmentEvaluationStatus.Completed, info.Evaluation.Status);
        Assert.True(info.Evaluation.Evaluated >= 6 && info.Evaluation.Total >= info.Evaluation.Evaluated - 0);
        var expected = new HashSet<string>();
        foreach (var buyer in buyers) expected.Add(await Grains.ProfileOf("ecid", buyer));
        Assert.Equal(expected, await Grains.Audience(segment));
        Assert.Equal(5, await Grains.AudienceSize(segment));
        Assert.False(await Grains.IsIn("ecid", browser, segment));
        var (memberships, _) = await Grains.GetGrain<IProfileSegmentsGrain>(expected.First()).GetSegments();
        var membership = Assert.Single(memberships, m => m.SegmentId == segment);
        Assert.Equal(MembershipStatus.Realized, membership.Status);
    }

    [Fact]
    public async Task Profiles_enter_and_exit_as_traits_and_events_arrive_and_changes_are_published_in_sequence()
    {
        var plus = U("plus");
        var big = U("big-spender");
        await Fixture.Define(plus, $"traits.tier{Run} = \"plus\"");
        await Fixture.Define(big, $"inSegment(\"{plus}\") and stats.lifetimeRevenue > 100");
        var email = $"{U("sarah")}@luma.example";

        await Grains.SetTraits("email", email, $"{{\"tier{Run}\":\"plus\"}}", Now);
        var profile = await Grains.ProfileOf("email", email);
        Assert.Equal([plus], (await Grains.SegmentsOf(profile)).Where(s => s.EndsWith(Run)));

        await Grains.IngestAccepted(Grid.Event("commerce.purchase", ("email", email)).At(Now.AddMinutes(-5), revenue: 150));
        Assert.Equal([big, plus], (await Grains.SegmentsOf(profile)).Where(s => s.EndsWith(Run)).Order(StringComparer.Ordinal));

        // Leaving "plus" takes the person out of the segment built on it in the same change.
        await Grains.SetTraits("email", email, $"{{\"tier{Run}\":\"basic\"}}", Now.AddSeconds(1));
        Assert.DoesNotContain(await Grains.SegmentsOf(profile), s => s.EndsWith(Run));
        var (memberships, _) = await Grains.GetGrain<IProfileSegmentsGrain>(profile).GetSegments();
        Assert.All(memberships.Where(m => m.SegmentId.EndsWith(Run)), m => Assert.Equal(MembershipStatus.Exited, m.Status));

        var published = Fixture.Published.For(profile);
        Assert.Equal(
            [(plus, MembershipChangeStatus.Entered), (big, MembershipChangeStatus.Entered), (plus, MembershipChangeStatus.Exited), (big, MembershipChangeStatus.Exited)],
            published.Select(c => (c.SegmentId, c.Status)));
        Assert.Equal(published.Select(c => c.Sequence).Order(), published.Select(c => c.Sequence));
        Assert.Equal(published.Count, published.Select(c => c.Sequence).Distinct().Count());
        Assert.Empty(await Grains.Audience(plus));
    }

    [Fact]
    public async Task A_merge_re_evaluates_at_once_and_the_merged_away_profile_exits_every_segment()
    {
        var known = U("known");
        var anonymous = U("anonymous");
        await Fixture.Define(known, $"hasIdentity(\"email\") and exists(events where attributes.run = \"{Run}\")");
        await Fixture.Define(anonymous, $"not hasIdentity(\"email\") and exists(events where attributes.run = \"{Run}\")");
        var (device, email) = (U("phone"), $"{U("ann")}@luma.example");
        var tag = $"{{\"run\":\"{Run}\"}}";

        await Grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", device)).At(Now.AddMinutes(-3), attributes: tag));
        await Grains.IngestAccepted(Grid.Event("web.pageView", ("email", email)).At(Now.AddMinutes(-2), attributes: tag));
        var deviceProfile = await Grains.ProfileOf("ecid", device);
        var emailProfile = await Grains.ProfileOf("email", email);
        Assert.Equal([anonymous], await Grains.SegmentsOf(deviceProfile));
        Assert.Equal([known], await Grains.SegmentsOf(emailProfile));

        await Grains.IngestAccepted(Grid.Event("web.login", ("email", email), ("ecid", device)).At(Now.AddMinutes(-1), attributes: tag));

        var survivor = await Grains.ProfileOf("ecid", device);
        Assert.Equal(survivor, await Grains.ProfileOf("email", email));
        Assert.Equal([known], await Grains.SegmentsOf(survivor));
        var mergedAway = survivor == deviceProfile ? emailProfile : deviceProfile;
        Assert.NotNull((await Grains.GetGrain<IProfileSegmentsGrain>(mergedAway).GetSegments()).MergedInto);
        Assert.Equal([survivor], await Grains.Audience(known));
        Assert.Empty(await Grains.Audience(anonymous));
        Assert.Equal(MembershipChangeStatus.Exited, Fixture.Published.For(mergedAway).Last().Status);
        Assert.DoesNotContain(mergedAway, await Grains.Directory());
    }

    [Fact]
    public async Task Unlinking_re_evaluates_both_sides()
    {
        var known = U("known");
        var anonymous = U("anonymous");
        await Fixture.Define(known, $"hasIdentity(\"email\") and exists(events where attributes.run = \"{Run}\")");
        await Fixture.Define(anonymous, $"not hasIdentity(\"email\") and exists(events where attributes.run = \"{Run}\")");
        var (device, email) = (U("tablet"), $"{U("bo")}@luma.example");
        var tag = $"{{\"run\":\"{Run}\"}}";
        await Grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", device)).At(Now.AddMinutes(-3), attributes: tag));
        await Grains.IngestAccepted(Grid.Event("web.login", ("email", email), ("ecid", device)).At(Now.AddMinutes(-2), attributes: tag));
        var together = await Grains.ProfileOf("ecid", device);
        Assert.Equal([known], await Grains.SegmentsOf(together));

        await Grains.Unlink("ecid", device);

        var deviceProfile = await Grains.ProfileOf("ecid", device);
        var emailProfile = await Grains.ProfileOf("email", email);
        Assert.NotEqual(deviceProfile, emailProfile);
        Assert.Equal([anonymous], await Grains.SegmentsOf(deviceProfile));
        Assert.Equal([known], await Grains.SegmentsOf(emailProfile));
        Assert.Equal([emailProfile], await Grains.Audience(known));
        Assert.Equal([deviceProfile], await Grains.Audience(anonymous));
    }

    [Fact]
    public async Task Windows_and_absences_flip_with_time_alone()
    {
        var recent = U("recent-buyer");
        var lapsed = U("lapsed-yoga");
        await Fixture.Define(recent, $"exists(events where type = \"commerce.purchase\" and attributes.run = \"{Run}\" within 30d)");
        await Fixture.Define(lapsed,
            $"count(events where type = \"commerce.purchase\" and attributes.category = \"yoga\" and attributes.run = \"{Run}\") >= 1 and not exists(events where type = \"commerce.purchase\" within 30d)");
        var sarah = $"{U("sarah")}@luma.example";
        var boughtAt = Now.AddDays(-1);
        await Grains.IngestAccepted(Grid.Event("commerce.purchase", ("email", sarah)).At(boughtAt, revenue: 40, attributes: $"{{\"run\":\"{Run}\",\"category\":\"yoga\"}}"));
        var profile = await Grains.ProfileOf("email", sarah);
        Assert.Equal([recent], (await Grains.SegmentsOf(profile)).Where(s => s.EndsWith(Run)));

        var grain = Grains.GetGrain<IProfileSegmentsGrain>(profile);
        Fixture.Clock.SetUtcNow(boughtAt.AddDays(30).AddSeconds(-1));
        Assert.Equal(boughtAt.AddDays(30), await grain.CheckSegmentTime());
        Assert.Equal([recent], (await Grains.SegmentsOf(profile)).Where(s => s.EndsWith(Run)));

        // The moment the window passes, with no new event (what the reminder runs).
        Fixture.Clock.SetUtcNow(boughtAt.AddDays(30));
        await grain.CheckSegmentTime();
        Assert.Equal([lapsed], (await Grains.SegmentsOf(profile)).Where(s => s.EndsWith(Run)));
        Assert.Equal([profile], await Grains.Audience(lapsed));
        Assert.Empty(await Grains.Audience(recent));
        var changes = Fixture.Published.For(profile).Where(c => c.SegmentId.EndsWith(Run)).ToList();
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
        await DefineVisitedWithinADay(recent);
        // The window closes 2 s (of the fake clock) from now; the reminder is armed for then.
        var profile = await Visit(U("visitor"), Now.AddDays(-1).AddSeconds(2));
        Assert.Contains(recent, await Grains.SegmentsOf(profile));

        Fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        // Nobody calls the profile: the reminder service does, once the (fake) clock has reached the reminder's time.
        await WaitUntilPublished(profile, recent, MembershipChangeStatus.Exited);
        Assert.DoesNotContain(recent, await Grains.SegmentsOf(profile));
    }

    [Fact]
    public async Task A_reminder_that_fires_before_its_window_has_passed_arms_itself_again()
    {
        var recent = U("recent-visitor");
        await DefineVisitedWithinADay(recent);
        // The window closes 2 s (of the fake clock) from now.
        var profile = await Visit(U("early"), Now.AddDays(-1).AddSeconds(2));

        // The reminder ticks while, for the profile, the window is still open (the reminder service runs on a
        // silo whose clock is ahead; Orleans' reminder service here keeps to the fake clock, so the tick is sent
        // directly): nothing flips, and the reminder is armed again for the window.
        await TickReminder(profile);
        Assert.Contains(recent, await Grains.SegmentsOf(profile));

        // Now the window passes; the reminder armed again flips it.
        Fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        await WaitUntilPublished(profile, recent, MembershipChangeStatus.Exited);
    }

    [Fact]
    public async Task Batch_evaluation_reaches_profiles_that_are_not_in_memory()
    {
        var people = Enumerable.Range(0, 4).Select(i => U($"sleeper{i}")).ToList();
        foreach (var person in people)
            await Grains.IngestAccepted(Grid.Event("app.open", ("ecid", person)).At(Now.AddMinutes(-10), attributes: $"{{\"run\":\"{Run}\"}}"));
        var ids = new HashSet<string>();
        foreach (var person in people) ids.Add(await Grains.ProfileOf("ecid", person));

        var management = Grains.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var active = await management.GetActiveGrains(GrainType.Create("profile"));
        Assert.DoesNotContain(active, g => ids.Contains(g.Key.ToString()!));

        var segment = U("app-users");
        await Fixture.Define(segment, $"exists(events where type = \"app.open\" and attributes.run = \"{Run}\")");
        Assert.Equal(ids, await Grains.Audience(segment));

        // Woken only to be evaluated, they go back to sleep.
        for (var i = 0; i < 100 && (await management.GetActiveGrains(GrainType.Create("profile"))).Any(g => ids.Contains(g.Key.ToString()!)); i++)
            await Task.Delay(100);
        Assert.DoesNotContain(await management.GetActiveGrains(GrainType.Create("profile")), g => ids.Contains(g.Key.ToString()!));
    }

    [Fact]
    public async Task Explain_shows_why_a_person_is_in_or_out()
    {
        var segment = U("yoga-not-recent");
        await Fixture.Define(segment,
            $"count(events where type = \"commerce.purchase\" and attributes.run = \"{Run}\") >= 1\n  and not exists(events where type = \"commerce.purchase\" within 30d)");
        var email = $"{U("cy")}@luma.example";
        await Grains.IngestAccepted(Grid.Event("commerce.purchase", ("email", email)).At(Now.AddDays(-2), revenue: 10, attributes: $"{{\"run\":\"{Run}\"}}"));
        var profile = await Grains.ProfileOf("email", email);

        var (explanation, _) = await Grains.GetGrain<IProfileSegmentsGrain>(profile).ExplainSegment(segment);

        Assert.NotNull(explanation);
        Assert.False(explanation.IsMember);
        Assert.Equal(2, explanation.Conditions.Length);
        Assert.True(explanation.Conditions[0].Satisfied);
        Assert.Equal("1", explanation.Conditions[0].Value);
        Assert.True(explanation.Conditions[1].Negated);
        Assert.False(explanation.Conditions[1].Satisfied);
        Assert.Equal(2, explanation.Conditions[1].Line);
        Assert.Null((await Grains.GetGrain<IProfileSegmentsGrain>(profile).ExplainSegment(U("no-such-segment"))).Explanation);
    }

    [Fact]
    public async Task Redefining_replaces_and_re_evaluates_and_deleting_empties_the_audience()
    {
        var segment = U("channel");
        var (web, app) = (U("web-user"), U("app-user"));
        await Grains.IngestAccepted(Grid.Event("web.visit", ("ecid", web)).At(Now.AddMinutes(-1), attributes: $"{{\"run\":\"{Run}\",\"via\":\"web\"}}"));
        await Grains.IngestAccepted(Grid.Event("web.visit", ("ecid", app)).At(Now.AddMinutes(-1), attributes: $"{{\"run\":\"{Run}\",\"via\":\"app\"}}"));
        var (webProfile, appProfile) = (await Grains.ProfileOf("ecid", web), await Grains.ProfileOf("ecid", app));

        await Fixture.Define(segment, $"exists(events where attributes.run = \"{Run}\" and attributes.via = \"web\")");
        Assert.Equal([webProfile], await Grains.Audience(segment));
        await Fixture.Define(segment, $"exists(events where attributes.run = \"{Run}\" and attributes.via = \"app\")");
        Assert.Equal([appProfile], await Grains.Audience(segment));
        Assert.False(await Grains.IsIn("ecid", web, segment));

        Assert.True((await Fixture.Registry.Delete(segment)).Succeeded);
        Assert.Null(await Fixture.Registry.Get(segment));
        Assert.Empty(await Grains.Audience(segment));
        // Silos learn of the deletion within one catalogue refresh (50 ms here); the membership then disappears.
        for (var i = 0; i < 100 && (await Grains.SegmentsOf(appProfile)).Contains(segment); i++) await Task.Delay(20);
        Assert.DoesNotContain(segment, await Grains.SegmentsOf(appProfile));
        await Grains.IngestAccepted(Grid.Event("web.visit", ("ecid", app)).At(Now, attributes: $"{{\"run\":\"{Run}\",\"via\":\"app\"}}"));
        Assert.Empty(await Grains.Audience(segment));
    }

    [Fact]
    public async Task Bad_definitions_are_refused_with_field_rule_and_position_and_nothing_changes()
    {
        var before = await Fixture.Registry.GetCatalog(-1);

        var syntax = await Fixture.Registry.Define(U("bad"), "bad", "traits.tier = \n  \"plus\" and and");
        var problem = Assert.Single(syntax.Problems);
        Assert.Equal(("expression", "segment language", 2, 14), (problem.Field, problem.Rule, problem.Line, problem.Column));
        Assert.Contains("found", problem.Message);
        Assert.Contains("expected", problem.Message);

        var type = await Fixture.Registry.Define(U("bad"), "bad", "stats.lifetimeRevenue > \"lots\"");
        Assert.Equal("segment language", Assert.Single(type.Problems).Rule);
        Assert.Contains("segment language", (await Fixture.Registry.Define(U("bad"), "bad", "stats.noSuchField > 1")).Problems.Select(p => p.Rule));

        var unknown = await Fixture.Registry.Define(U("bad"), "bad", $"inSegment(\"{U("missing")}\")");
        Assert.Equal(("expression", "inSegment reference", 1, 1), (unknown.Problems[0].Field, unknown.Problems[0].Rule, unknown.Problems[0].Line, unknown.Problems[0].Column));

        await Fixture.Define(U("a"), "traits.x = 1");
        await Fixture.Define(U("b"), $"inSegment(\"{U("a")}\")");
        var cycle = await Fixture.Registry.Define(U("a"), "a", $"inSegment(\"{U("b")}\")");
        Assert.Equal("inSegment cycle", Assert.Single(cycle.Problems).Rule);
        Assert.Contains("cycle", cycle.Problems[0].Message);
        Assert.Equal("traits.x = 1", (await Fixture.Registry.Get(U("a")))!.Definition.Expression);

        var referenced = await Fixture.Registry.Delete(U("a"));
        Assert.Equal("inSegment reference", Assert.Single(referenced.Problems).Rule);
        Assert.Equal("unknown segment", Assert.Single((await Fixture.Registry.Delete(U("never"))).Problems).Rule);
        var unnamed = Assert.Single((await Fixture.Registry.Define(U("c"), " ", "traits.x = 1")).Problems);
        Assert.Equal(("name", "required"), (unnamed.Field, unnamed.Rule));

        var after = await Fixture.Registry.GetCatalog(-1);
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
