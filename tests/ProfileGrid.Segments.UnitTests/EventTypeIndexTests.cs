using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

/// <summary>
/// A subject that keeps its events by type (<see cref="ISegmentSubject.EventsOfType"/>) lets a set of events pinned to
/// one type walk that type's events alone; every result, time of next change and explanation must be what the
/// whole timeline gives.
/// </summary>
public sealed class EventTypeIndexTests
{
    [Fact]
    public void Generated_expressions_give_the_same_results_over_events_kept_by_type()
    {
        var asked = 0;
        for (var seed = 0; seed < 1500; seed++)
        {
            var generator = new ExpressionGenerator(seed);
            var segment = SegmentCompiler.Compile(seed % 2 == 0 ? generator.Condition() : generator.WindowedCondition());
            for (var person = 0; person < 3; person++)
            {
                var whole = generator.Subject();
                var byType = new TypeIndexedSubject(whole);
                foreach (var now in new[] { Now, Now.AddDays(9), Now.AddDays(-3) })
                {
                    var context = $"seed {seed}, person {person}, at {now:o}: {segment.Expression}";
                    Assert.True(segment.Evaluate(whole, now) == segment.Evaluate(byType, now), context);
                    Assert.Equal(segment.EvaluateWithNextChange(whole, now), segment.EvaluateWithNextChange(byType, now));
                    var expected = segment.Explain(whole, now);
                    var actual = segment.Explain(byType, now);
                    Assert.True(expected.Result == actual.Result, context);
                    Assert.Equal(expected.Conditions, actual.Conditions);
                }
            }

            asked += TypeIndexedSubject.Asked;
            TypeIndexedSubject.Asked = 0;
        }

        // The generator pins a type in many filters: the index must actually have been walked.
        Assert.True(asked > 2000, $"the events of one type were asked for only {asked} times");
    }

    [Fact]
    public void A_set_pinned_to_one_type_walks_only_that_types_events()
    {
        var subject = new TypeIndexedSubject(Subject(events:
        [
            Event("web.pageView", Now.AddHours(-1)),
            Purchase(Now.AddDays(-2), revenue: 30),
            Event("web.pageView", Now.AddHours(-3)),
            Purchase(Now.AddDays(-40), revenue: 12),
        ]));

        var spent = SegmentCompiler.Compile("sum(revenue of events where type = \"commerce.purchase\" and revenue > 10 within 30d) >= 30");
        var result = spent.EvaluateWithNextChange(subject, Now);

        Assert.True(result.IsMember);
        Assert.Equal(Now.AddDays(28), result.NextTimeChange);
        Assert.Equal(["commerce.purchase"], subject.TypesAsked);
        Assert.Equal(0, subject.WholeTimelineWalks);
    }

    [Theory]
    [InlineData("count(events where type = \"commerce.purchase\" and channel = \"web\") = 2", true)]
    [InlineData("count(events where channel = \"web\" and type = \"commerce.purchase\" and revenue > 20) = 1", true)]
    [InlineData("exists(events where type = \"commerce.purchase\" and attributes.category = \"running\")", false)]
    [InlineData("exists(events where type = \"commerce.purchase\" and not (channel = \"mobile\") within 1d)", true)]
    [InlineData("count(events where type = \"commerce.purchase\" and (channel = \"mobile\" or revenue < 10)) = 2", true)]
    public void The_rest_of_a_filter_still_applies_to_the_events_of_its_type(string expression, bool expected)
    {
        var events = new[]
        {
            Event("commerce.purchase", Now.AddHours(-1), channel: "web", revenue: 30, attributes: """{"category":"yoga"}"""),
            Event("commerce.purchase", Now.AddHours(-2), channel: "web", revenue: 5),
            Event("commerce.purchase", Now.AddHours(-3), channel: "mobile", revenue: 40),
            Event("web.pageView", Now.AddHours(-1), channel: "web", attributes: """{"category":"running"}"""),
        };
        var segment = SegmentCompiler.Compile(expression);
        var byType = new TypeIndexedSubject(Subject(events: events));

        Assert.Equal(expected, segment.Evaluate(byType, Now));
        Assert.Equal(expected, segment.Evaluate(Subject(events: events), Now));
        Assert.Equal(["commerce.purchase"], byType.TypesAsked.Distinct());
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void A_sequence_over_the_events_of_its_types_orders_ties_by_timeline_position(bool cartFirst, bool expected)
    {
        var at = Now.AddHours(-1);
        List<SegmentEvent> events =
        [
            Event("web.pageView", at),
            cartFirst ? Event("commerce.addToCart", at) : Event("commerce.productView", at),
            Event("email.open", at.AddMinutes(-5)),
            cartFirst ? Event("commerce.productView", at) : Event("commerce.addToCart", at),
        ];
        var funnel = SegmentCompiler.Compile("sequence(events where type = \"commerce.productView\", events where type = \"commerce.addToCart\") within 1d");
        var byType = new TypeIndexedSubject(Subject(events: events));

        Assert.Equal(expected, funnel.Evaluate(byType, Now));
        Assert.Equal(expected, funnel.Evaluate(Subject(events: events), Now));
        Assert.Equal(0, byType.WholeTimelineWalks);
        Assert.Equal(["commerce.addToCart", "commerce.productView"], byType.TypesAsked.Distinct().Order());
    }

    [Fact]
    public void Sets_that_can_match_several_types_walk_the_whole_timeline()
    {
        var subject = new TypeIndexedSubject(Subject(events: [Event("web.pageView", Now.AddHours(-1)), Event("email.open", Now.AddHours(-2))]));

        Assert.True(SegmentCompiler.Compile("count(events where type in [\"web.pageView\", \"email.open\"]) = 2").Evaluate(subject, Now));
        Assert.True(SegmentCompiler.Compile("exists(events where not (type = \"commerce.purchase\"))").Evaluate(subject, Now));
        Assert.True(SegmentCompiler.Compile("count(events within 1d) = 2").Evaluate(subject, Now));

        Assert.Empty(subject.TypesAsked);
    }

    [Fact]
    public void An_index_reset_to_another_timeline_picks_each_type_out_again()
    {
        var index = new SegmentEventTypeIndex<SegmentEvent>(e => e.Type);
        List<SegmentEvent> first = [Event("a", Now), Event("b", Now), Event("a", Now.AddMinutes(1))];
        index.Reset(first, Same);
        Assert.Equal(2, index.Of("a").Count);
        Assert.Single(index.Of("b"));

        index.Reset([Event("b", Now), Event("b", Now.AddMinutes(2))], Same);
        Assert.Empty(index.Of("a"));
        Assert.Equal([Now, Now.AddMinutes(2)], index.Of("b").Select(e => e.Timestamp));

        // More types than are kept: the lists are dropped and still answered correctly.
        var many = Enumerable.Range(0, SegmentEventTypeIndex<SegmentEvent>.MaxTypes + 5).Select(i => Event($"t{i}", Now.AddMinutes(i))).ToList();
        index.Reset(many, Same);
        foreach (var e in many) Assert.Equal([e.Timestamp], index.Of(e.Type).Select(x => x.Timestamp));
        index.Reset(many, Same);
        Assert.Equal([Now.AddMinutes(3)], index.Of("t3").Select(x => x.Timestamp));
    }

    private static SegmentEvent Same(SegmentEvent e) => e;

    /// <summary>Answers <see cref="ISegmentSubject.EventsOfType"/> from an index, and counts what it was asked.</summary>
    private sealed class TypeIndexedSubject : ISegmentSubject
    {
        [ThreadStatic] public static int Asked;
        private readonly SegmentSubject _inner;
        private readonly SegmentEventTypeIndex<SegmentEvent> _index = new(e => e.Type);
        private readonly CountingList _events;

        public TypeIndexedSubject(SegmentSubject inner)
        {
            _inner = inner;
            _events = new CountingList(inner.Events);
            _index.Reset(inner.Events, Same);
        }

        public List<string> TypesAsked { get; } = [];

        /// <summary>How many times an evaluation read the whole timeline's first event (one walk of it).</summary>
        public int WholeTimelineWalks => _events.FirstReads;

        public JsonElement Traits => _inner.Traits;

        public IReadOnlyList<SegmentEvent> Events => _events;

        public ProfileStatsView Stats => _inner.Stats;

        public IReadOnlyList<SegmentEvent>? EventsOfType(string type)
        {
            Asked++;
            TypesAsked.Add(type);
            return _index.Of(type);
        }

        public IReadOnlyList<int>? PositionsOfType(string type) => _index.PositionsOf(type);

        public bool HasIdentityNamespace(string identityNamespace) => _inner.HasIdentityNamespace(identityNamespace);

        public bool IsInSegment(string segmentId) => _inner.IsInSegment(segmentId);

        private sealed class CountingList(IReadOnlyList<SegmentEvent> events) : IReadOnlyList<SegmentEvent>
        {
            public int FirstReads { get; private set; }

            public SegmentEvent this[int index]
            {
                get
                {
                    if (index == 0) FirstReads++;
                    return events[index];
                }
            }

            public int Count => events.Count;

            public IEnumerator<SegmentEvent> GetEnumerator() => events.GetEnumerator();

            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }
    }
}
