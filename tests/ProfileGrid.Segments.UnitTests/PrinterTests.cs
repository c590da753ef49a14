namespace ProfileGrid.Segments.UnitTests;

/// <summary>The canonical form normalises spacing and dates and keeps only the parentheses the tree needs.</summary>
public sealed class PrinterTests
{
    [Theory]
    [InlineData("traits.a=1", "traits.a = 1")]
    [InlineData("traits.a = 1\n   and\ttraits.b = 2", "traits.a = 1 and traits.b = 2")]
    [InlineData("(traits.a = 1 and traits.b = 2) or traits.c = 3", "traits.a = 1 and traits.b = 2 or traits.c = 3")]
    [InlineData("traits.a = 1 and (traits.b = 2 or traits.c = 3)", "traits.a = 1 and (traits.b = 2 or traits.c = 3)")]
    [InlineData("traits.a = 1 or (traits.b = 2 or traits.c = 3)", "traits.a = 1 or (traits.b = 2 or traits.c = 3)")]
    [InlineData("(traits.a = 1 or traits.b = 2) or traits.c = 3", "(traits.a = 1 or traits.b = 2) or traits.c = 3")]
    [InlineData("not (traits.a = 1 and traits.b = 2)", "not (traits.a = 1 and traits.b = 2)")]
    [InlineData("not ((traits.a = 1))", "not traits.a = 1")]
    [InlineData("traits.a = \"q\\\"b\\\\s\\n\\u00e9\"", "traits.a = \"q\\\"b\\\\s\\né\"")]
    [InlineData("traits.a = 1E+20", "traits.a = 1E+20")]
    [InlineData("traits.a = 0.10", "traits.a = 0.1")]
    [InlineData("traits.a = -05", "traits.a = -5")]
    [InlineData("stats.firstSeen > date(\"2026-01-31T11:30:00+02:00\")", "stats.firstSeen > date(\"2026-01-31T09:30:00Z\")")]
    [InlineData("stats.firstSeen > date(\"2026-01-31\")", "stats.firstSeen > date(\"2026-01-31T00:00:00Z\")")]
    [InlineData("stats.firstSeen > date(\"2026-01-31T09:30:00.25Z\")", "stats.firstSeen > date(\"2026-01-31T09:30:00.25Z\")")]
    [InlineData("exists(events  where type=\"a\"  within 2w)", "exists(events where type = \"a\" within 2w)")]
    [InlineData("sum( revenue of events ) > 1", "sum(revenue of events) > 1")]
    [InlineData("sequence(events where type = \"a\",events) within 90m", "sequence(events where type = \"a\", events) within 90m")]
    [InlineData("traits.c in [ \"US\",\"CA\" ]", "traits.c in [\"US\", \"CA\"]")]
    [InlineData("hasIdentity( \"email\" )", "hasIdentity(\"email\")")]
    public void Canonical_expressions_are_normalised(string expression, string canonical) =>
        Assert.Equal(canonical, SegmentCompiler.Compile(expression).CanonicalExpression);
}

/// <summary>Evaluation is allocation-free, so it can run for every event over many segments.</summary>
public sealed class AllocationTests
{
    private static readonly string[] Expressions =
    [
        "traits.loyaltyTier = \"plus\"",
        "traits.tags contains \"yoga\" and traits.firstName startsWith \"Sa\" and traits.country in [\"US\", \"CA\"]",
        "count(events where type = \"commerce.purchase\" and attributes.category = \"yoga\") >= 1\n  and not exists(events where type = \"commerce.purchase\" within 30d)",
        "inSegment(\"luma-plus\") and stats.lifetimeRevenue > 100 and stats.lastSeen > date(\"2026-01-01\")",
        "hasIdentity(\"email\") or traits.country in [\"US\", \"CA\"]",
        "sum(revenue of events where type = \"commerce.purchase\" within 90d) > 200 or avg(attributes.price of events) > 10",
        "sequence(events where type = \"commerce.productView\", events where type = \"commerce.addToCart\") within 7d",
        "max(timestamp of events where channel = \"web\") > date(\"2026-01-01\")",
    ];

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Evaluating_a_compiled_segment_allocates_nothing(bool projectedEvents, bool unsorted)
    {
        var events = Enumerable.Range(0, 50)
            .Select(i => new SegmentEvent(
                i % 3 == 0 ? "commerce.purchase" : i % 3 == 1 ? "commerce.productView" : "commerce.addToCart",
                Profiles.Now.AddHours(unsorted ? -(i * 37 % 50) * 10 : -(50 - i) * 10),
                "web",
                null,
                i % 3 == 0 ? 40 : null,
                Profiles.Json("""{"category":"yoga","price":25}""")))
            .ToList();
        var subject = new SegmentSubject
        {
            Traits = Profiles.Json("""{"loyaltyTier":"plus","tags":["run","yoga"],"firstName":"Sarah","country":"CA"}"""),
            Events = projectedEvents ? SegmentEventList.Project(events, e => e) : events,
            Stats = new ProfileStatsView { LifetimeRevenue = 150, LastSeen = Profiles.Now },
            IdentityNamespaces = new HashSet<string> { "phone" },
            Segments = new HashSet<string> { "luma-plus" },
        };

        foreach (var expression in Expressions)
        {
            var segment = SegmentCompiler.Compile(expression);
            for (var i = 0; i < 100; i++)
            {
                segment.Evaluate(subject, Profiles.Now);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                segment.Evaluate(subject, Profiles.Now);
            }

            Assert.True(GC.GetAllocatedBytesForCurrentThread() == before, $"allocated while evaluating {expression}");
        }
    }
}

/// <summary>Callers adapt their own profile state to the subject interface without copying events.</summary>
public sealed class SubjectAdapterTests
{
    private sealed record StoredEvent(string Name, DateTimeOffset At, decimal? Amount);

    private sealed class GrainStateSubject(List<StoredEvent> stored) : ISegmentSubject
    {
        public JsonElement Traits => default;

        public IReadOnlyList<SegmentEvent> Events { get; } =
            SegmentEventList.Project(stored, e => new SegmentEvent(e.Name, e.At, Revenue: (double?)e.Amount));

        public ProfileStatsView Stats => default;

        public bool HasIdentityNamespace(string identityNamespace) => false;

        public bool IsInSegment(string segmentId) => false;
    }

    [Fact]
    public void A_projected_event_list_sees_the_callers_events_live_without_copying()
    {
        var stored = new List<StoredEvent> { new("commerce.purchase", Profiles.Now.AddDays(-1), 30m) };
        var subject = new GrainStateSubject(stored);
        var segment = SegmentCompiler.Compile("sum(revenue of events where type = \"commerce.purchase\") >= 50");

        Assert.False(segment.Evaluate(subject, Profiles.Now));
        stored.Add(new("commerce.purchase", Profiles.Now, 20m));
        Assert.True(segment.Evaluate(subject, Profiles.Now));
        Assert.Equal(2, subject.Events.Count());
    }

    [Fact]
    public void A_subject_with_no_traits_and_no_events_matches_only_conditions_that_need_nothing()
    {
        var empty = new SegmentSubject();

        Assert.True(SegmentCompiler.Compile("not exists(events) and count(events) = 0 and sum(revenue of events) = 0").Evaluate(empty, Profiles.Now));
        Assert.False(SegmentCompiler.Compile("traits.a = 1 or exists(traits.a) or stats.lastSeen < date(\"2100-01-01\")").Evaluate(empty, Profiles.Now));
    }
}
