using ProfileGrid.Segments;
using MembershipEntry = ProfileGrid.Segments.MembershipEntry;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// One evaluation pass: which segments it evaluates (those the change reads, those redefined since the last pass,
/// those whose window is due, those referencing a segment that just flipped) and what it forgets (segments the
/// catalogue no longer has).
/// </summary>
public sealed class MembershipEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static LoadedCatalog Catalog(long version, params (string Id, string Expression, long Revision)[] segments) =>
        LoadedCatalog.From(
            new SegmentCatalogSnapshot(version, [.. segments.Select(s => new SegmentDefinition(s.Id, s.Id, s.Expression, s.Revision, Now))]),
            LoadedCatalog.Empty);

    private static SegmentSubject Subject(string traits = "{}", params SegmentEvent[] events) => new()
    {
        Traits = JsonSerializer.Deserialize<JsonElement>(traits),
        Events = events,
        Segments = new HashSet<string>(),
    };

    private static SegmentEvent Event(string type, DateTimeOffset at) => new(type, at, "web", null, null, default);

    [Fact]
    public void An_event_evaluates_only_the_segments_that_read_its_type_or_were_redefined()
    {
        var catalog = Catalog(2,
            ("plus", "traits.tier = \"plus\"", 1),
            ("buyers", "exists(events where type = \"commerce.purchase\")", 1),
            ("viewers", "exists(events where type = \"web.pageView\")", 2));
        var state = new ProfileSegmentState { CatalogVersion = 1 };
        // Evaluated at version 1, before the person became "plus" and viewed a page: an event of another type
        // reads neither the traits nor page views, but "viewers" was redefined since.
        var subject = Subject("""{"tier":"plus"}""", Event("web.pageView", Now.AddMinutes(-2)), Event("commerce.purchase", Now.AddMinutes(-1)));

        var delta = MembershipEvaluator.Evaluate("p-1", state, catalog, subject, ProfileChange.Event("commerce.purchase"), false, Now);

        Assert.Equal(["buyers", "viewers"], delta.Changes.Select(c => c.SegmentId).Order());
        Assert.False(state.IsMember("plus"));
        Assert.Equal(2, state.CatalogVersion);
        Assert.Empty(MembershipEvaluator.Evaluate("p-1", state, catalog, subject, ProfileChange.Event("web.pageView"), false, Now).Changes);
        var traits = MembershipEvaluator.Evaluate("p-1", state, catalog, subject, ProfileChange.Traits, false, Now);
        Assert.Equal(["plus"], traits.Changes.Select(c => c.SegmentId));
    }

    [Fact]
    public void An_event_evaluates_the_stats_segments_whose_fields_it_moves()
    {
        var catalog = Catalog(1,
            ("spenders", "stats.lifetimeRevenue > 100", 1),
            ("buyers", "stats.purchaseCount >= 1", 1),
            ("active", "stats.eventCount > 2", 1),
            ("mobile", "stats.mostEngagedChannel = \"mobile\"", 1));
        var state = new ProfileSegmentState { CatalogVersion = 1 };
        // Stats the last passes have not seen yet: only a segment reading a field the event moves is evaluated.
        var subject = new SegmentSubject
        {
            Events = [],
            Stats = new ProfileGrid.Segments.ProfileStatsView { LifetimeRevenue = 150, PurchaseCount = 1, EventCount = 3, MostEngagedChannel = "mobile" },
        };
        CustomerEvent Added(string type, double? revenue = null, string? channel = null) => new()
        {
            Id = Guid.NewGuid().ToString(), Type = type, Timestamp = Now, Identities = [new IdentityKey("ecid", "d-1")], Revenue = revenue, Channel = channel,
        };

        var view = MembershipEvaluator.Evaluate("p-6", state, catalog, subject, ProfileChange.Event(Added("web.pageView")), false, Now);
        Assert.Equal(["active"], view.Changes.Select(c => c.SegmentId));
        var refund = MembershipEvaluator.Evaluate("p-6", state, catalog, subject, ProfileChange.Event(Added("commerce.refund", revenue: -5)), false, Now);
        Assert.Equal(["spenders"], refund.Changes.Select(c => c.SegmentId));
        var tap = MembershipEvaluator.Evaluate("p-6", state, catalog, subject, ProfileChange.Event(Added("push.open", channel: "mobile")), false, Now);
        Assert.Equal(["mobile"], tap.Changes.Select(c => c.SegmentId));
        var purchase = MembershipEvaluator.Evaluate("p-6", state, catalog, subject, ProfileChange.Event(Added("commerce.purchase")), false, Now);
        Assert.Equal(["buyers"], purchase.Changes.Select(c => c.SegmentId));
    }

    [Fact]
    public void Every_stats_field_an_event_moves_is_among_those_its_change_names()
    {
        var random = new Random(7);
        string[] types = ["commerce.purchase", "web.pageView", "email.open"];
        string?[] channels = [null, "web", "mobile", "email"];
        // A segment reading each field, as a marketer writes it: what its definition says it reads decides.
        var readers = new (string Name, SegmentDependencies Reads)[]
        {
            ("eventCount", Reads("stats.eventCount > 1")), ("purchaseCount", Reads("stats.purchaseCount > 1")),
            ("lifetimeRevenue", Reads("stats.lifetimeRevenue > 100")), ("firstSeen", Reads("stats.firstSeen < date(\"2025-06-01\")")),
            ("lastSeen", Reads("stats.lastSeen > date(\"2025-06-01\")")), ("lastPurchaseAt", Reads("stats.lastPurchaseAt > date(\"2025-06-01\")")),
            ("mostEngagedChannel", Reads("stats.mostEngagedChannel = \"web\"")),
        };
        for (var trial = 0; trial < 500; trial++)
        {
            var stats = new ProfileStats();
            for (var i = random.Next(4); i > 0; i--) stats.Add(RandomEvent());
            var e = RandomEvent();
            var before = Fields(stats);
            stats.Add(e);
            var after = Fields(stats);
            var change = ProfileChange.Event(e);
            foreach (var (name, reads) in readers)
            {
                if (!Equals(before[name], after[name])) Assert.True(change.Affects(reads, identitiesChanged: false), $"{e.Type} (revenue {e.Revenue}, channel {e.Channel}) moved {name}");
            }
        }

        CustomerEvent RandomEvent() => new()
        {
            Id = Guid.NewGuid().ToString(),
            Type = types[random.Next(types.Length)],
            Timestamp = Now.AddDays(-random.Next(200)),
            Identities = [new IdentityKey("ecid", "d-1")],
            Revenue = random.Next(3) == 0 ? random.Next(-10, 100) : null,
            Channel = channels[random.Next(channels.Length)],
        };

        static SegmentDependencies Reads(string expression) => SegmentCompiler.Compile(expression).Dependencies;

        static Dictionary<string, object?> Fields(ProfileStats s) => new()
        {
            ["eventCount"] = s.EventCount, ["purchaseCount"] = s.PurchaseCount, ["lifetimeRevenue"] = s.LifetimeRevenue,
            ["firstSeen"] = s.FirstSeen, ["lastSeen"] = s.LastSeen, ["lastPurchaseAt"] = s.LastPurchaseAt,
            ["mostEngagedChannel"] = s.MostEngagedChannel(Now),
        };
    }

    [Fact]
    public void A_due_window_is_evaluated_on_a_change_that_does_not_read_it_and_by_time_alone()
    {
        var catalog = Catalog(1, ("recent", "exists(events where type = \"web.pageView\" within 1h)", 1), ("plus", "traits.tier = \"plus\"", 1));
        var state = new ProfileSegmentState();
        var view = Event("web.pageView", Now.AddMinutes(-30));
        MembershipEvaluator.Evaluate("p-2", state, catalog, Subject("{}", view), ProfileChange.Event("web.pageView"), false, Now);
        Assert.True(state.IsMember("recent"));
        Assert.Equal(Now.AddMinutes(30), state.Entries["recent"].NextChange);

        // Before the window passes a trait change leaves it alone; after, the same change takes the person out.
        Assert.Empty(MembershipEvaluator.Evaluate("p-2", state, catalog, Subject("{}", view), ProfileChange.Traits, false, Now.AddMinutes(29)).Changes);
        Assert.True(state.IsMember("recent"));
        var later = MembershipEvaluator.Evaluate("p-2", state, catalog, Subject("{}", view), ProfileChange.Traits, false, Now.AddMinutes(31));
        Assert.Equal([("recent", MembershipChangeStatus.Exited)], later.Changes.Select(c => (c.SegmentId, c.Status)));

        var again = new ProfileSegmentState();
        MembershipEvaluator.Evaluate("p-3", again, catalog, Subject("{}", view), ProfileChange.Event("web.pageView"), false, Now);
        var timeOnly = MembershipEvaluator.Evaluate("p-3", again, catalog, Subject("{}", view), ProfileChange.Time, false, Now.AddHours(2));
        Assert.Equal([("recent", MembershipChangeStatus.Exited)], timeOnly.Changes.Select(c => (c.SegmentId, c.Status)));
        Assert.Null(again.Entries["recent"].NextChange);
    }

    [Fact]
    public void A_segment_referencing_one_that_flipped_is_evaluated_in_the_same_pass()
    {
        var catalog = Catalog(1,
            ("buyers", "exists(events where type = \"commerce.purchase\")", 1),
            ("vip", "inSegment(\"buyers\") and traits.tier = \"plus\"", 1));
        var state = new ProfileSegmentState { CatalogVersion = 1 };
        var subject = new SegmentSubject
        {
            Traits = JsonSerializer.Deserialize<JsonElement>("""{"tier":"plus"}"""),
            Events = [Event("commerce.purchase", Now.AddMinutes(-1))],
            Segments = new HashSet<string> { "buyers" },
        };

        var delta = MembershipEvaluator.Evaluate("p-4", state, catalog, subject, ProfileChange.Event("commerce.purchase"), false, Now);

        Assert.Equal(["buyers", "vip"], delta.Changes.Select(c => c.SegmentId));
        Assert.Equal([1L, 2L], delta.Changes.Select(c => c.Sequence));
    }

    [Fact]
    public void Segments_gone_from_a_newer_catalogue_are_forgotten_and_an_older_catalogue_forgets_nothing()
    {
        var state = new ProfileSegmentState { CatalogVersion = 3 };
        state.Entries["gone"] = new MembershipEntry { Status = MembershipStatus.Realized, Since = Now, NextChange = Now.AddDays(1) };
        state.Entries["kept"] = new MembershipEntry { Status = MembershipStatus.Realized, Since = Now };

        // A silo whose cached catalogue is older than the state's must not drop what it does not know yet.
        MembershipEvaluator.Evaluate("p-5", state, Catalog(2, ("kept", "traits.tier = \"plus\"", 1)), Subject("""{"tier":"plus"}"""), ProfileChange.Time, false, Now);
        Assert.Contains("gone", state.Entries.Keys);
        Assert.Equal(3, state.CatalogVersion);

        MembershipEvaluator.Evaluate("p-5", state, Catalog(4, ("kept", "traits.tier = \"plus\"", 1)), Subject("""{"tier":"plus"}"""), ProfileChange.Time, false, Now);
        Assert.Equal(["kept"], state.Entries.Keys);
        Assert.Equal(4, state.CatalogVersion);
        Assert.Null(state.NextTimeCheck());
    }

    [Fact]
    public void A_pass_reports_a_changed_state_only_for_a_membership_a_window_to_watch_or_a_forgotten_segment()
    {
        var state = new ProfileSegmentState();
        var purchase = Event("commerce.purchase", Now.AddDays(-10));
        var subject = Subject("""{"tier":"basic"}""", purchase);
        Assert.True(MembershipEvaluator.Evaluate("p-9", state, Catalog(1, ("buyers", "exists(events where type = \"commerce.purchase\")", 1)), subject, ProfileChange.Time, false, Now).StateChanged);

        // A new segment the person is not in, with nothing for time to change: only the catalogue version moves.
        var plus = Catalog(2, ("buyers", "exists(events where type = \"commerce.purchase\")", 1), ("plus", "traits.tier = \"plus\"", 2));
        var unchanged = MembershipEvaluator.Evaluate("p-9", state, plus, subject, ProfileChange.Time, false, Now);
        Assert.False(unchanged.StateChanged);
        Assert.Equal(2, state.CatalogVersion);
        Assert.Empty(unchanged.Changes);

        // Out of a new absence segment now, in it once 30 days have passed since the purchase: a window to watch.
        var lapsed = Catalog(3, ("buyers", "exists(events where type = \"commerce.purchase\")", 1), ("plus", "traits.tier = \"plus\"", 2),
            ("lapsed", "not exists(events where type = \"commerce.purchase\" within 30d)", 3));
        var watching = MembershipEvaluator.Evaluate("p-9", state, lapsed, subject, ProfileChange.Time, false, Now);
        Assert.True(watching.StateChanged);
        Assert.Empty(watching.Changes);
        Assert.Equal(Now.AddDays(20), state.Entries["lapsed"].NextChange);

        // The same window evaluated again, by a change that reads it, changes nothing.
        Assert.False(MembershipEvaluator.Evaluate("p-9", state, lapsed, subject, ProfileChange.Event("commerce.purchase"), false, Now).StateChanged);

        // A deleted segment the person was in is forgotten.
        var deleted = Catalog(4, ("plus", "traits.tier = \"plus\"", 2), ("lapsed", "not exists(events where type = \"commerce.purchase\" within 30d)", 3));
        Assert.True(MembershipEvaluator.Evaluate("p-9", state, deleted, subject, ProfileChange.Time, false, Now).StateChanged);
        Assert.False(state.Entries.ContainsKey("buyers"));
    }

    [Fact]
    public void A_stored_reminder_time_covers_a_window_only_while_it_is_still_to_fire_and_no_later_than_the_window()
    {
        var window = Now.AddHours(2);
        Assert.False(new ProfileSegmentState().ReminderCovers(window, Now));
        Assert.True(new ProfileSegmentState { ReminderDue = Now.AddHours(1) }.ReminderCovers(window, Now));
        Assert.True(new ProfileSegmentState { ReminderDue = window }.ReminderCovers(window, Now));
        // Later than the window: the window would pass unchecked.
        Assert.False(new ProfileSegmentState { ReminderDue = window.AddSeconds(1) }.ReminderCovers(window, Now));
        // Passed (fired, or about to): its next tick may be an hour away.
        Assert.False(new ProfileSegmentState { ReminderDue = Now }.ReminderCovers(window, Now));
        Assert.False(new ProfileSegmentState { ReminderDue = Now.AddMinutes(-1) }.ReminderCovers(window, Now));
    }
}
