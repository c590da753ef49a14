using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

/// <summary>
/// <c>sequence(A, B, ...) within D</c>: distinct events in that order, first and last at most D apart, last within D of now.
/// </summary>
public sealed class SequenceTests
{
    private const string ViewThenCart = """sequence(events where type = "view", events where type = "cart") within 7d""";

    private static SegmentSubject With(params (string Type, double DaysAgo)[] events) =>
        Subject(events: events.Select(e => Event(e.Type, Now.AddDays(-e.DaysAgo))));

    [Fact]
    public void Steps_in_order_match() => Assert.True(Matches(ViewThenCart, With(("view", 3), ("cart", 2))));

    [Fact]
    public void Steps_in_the_reverse_order_do_not_match() => Assert.False(Matches(ViewThenCart, With(("cart", 3), ("view", 2))));

    [Fact]
    public void Order_is_by_timestamp_not_by_position_in_the_list() =>
        Assert.True(Matches(ViewThenCart, With(("cart", 2), ("view", 3))));

    [Fact]
    public void Reversed_steps_listed_in_order_do_not_match() =>
        Assert.False(Matches(ViewThenCart, With(("view", 2), ("cart", 3))));

    [Fact]
    public void Events_with_equal_timestamps_are_ordered_by_their_position_in_the_list()
    {
        Assert.True(Matches(ViewThenCart, With(("view", 2), ("cart", 2))));
        Assert.False(Matches(ViewThenCart, With(("cart", 2), ("view", 2))));
    }

    [Fact]
    public void First_and_last_steps_exactly_the_window_apart_match() =>
        Assert.True(Matches(ViewThenCart, With(("view", 7.5), ("cart", 0.5))));

    [Fact]
    public void First_and_last_steps_more_than_the_window_apart_do_not_match() =>
        Assert.False(Matches(ViewThenCart, Subject(events: [Event("view", Now.AddDays(-7.5).AddTicks(-1)), Event("cart", Now.AddDays(-0.5))])));

    [Fact]
    public void A_sequence_whose_last_step_is_not_within_the_window_of_now_does_not_match() =>
        Assert.False(Matches(ViewThenCart, With(("view", 9), ("cart", 8))));

    [Fact]
    public void A_later_start_rescues_a_sequence_whose_earliest_start_is_too_far_back() =>
        Assert.True(Matches(ViewThenCart, With(("view", 20), ("view", 3), ("cart", 1))));

    [Fact]
    public void One_event_cannot_satisfy_two_steps()
    {
        const string ViewTwice = """sequence(events where type = "view", events where type = "view")""";

        Assert.False(Matches(ViewTwice, With(("view", 1))));
        Assert.True(Matches(ViewTwice, With(("view", 2), ("view", 1))));
    }

    [Fact]
    public void Three_steps_must_all_occur_in_order()
    {
        const string Funnel = """sequence(events where type = "view", events where type = "cart", events where type = "buy") within 1d""";

        Assert.True(Matches(Funnel, With(("view", 0.5), ("cart", 0.4), ("buy", 0.3))));
        Assert.False(Matches(Funnel, With(("view", 0.5), ("buy", 0.4), ("cart", 0.3))));
        Assert.True(Matches(Funnel, With(("view", 0.5), ("buy", 0.45), ("cart", 0.4), ("buy", 0.3))));
        Assert.False(Matches(Funnel, With(("view", 1.5), ("cart", 0.4), ("buy", 0.3))));
    }

    [Fact]
    public void Without_a_window_any_ordered_occurrence_matches() =>
        Assert.True(Matches("""sequence(events where type = "view", events where type = "cart")""", With(("view", 400), ("cart", 1))));

    [Fact]
    public void Steps_can_filter_on_any_event_field()
    {
        const string EmailThenWebPurchase =
            """sequence(events where channel = "email", events where channel = "web" and revenue > 10) within 2d""";
        var person = Subject(events:
        [
            Event("email.click", Now.AddDays(-1), channel: "email"),
            Event("commerce.purchase", Now.AddHours(-2), channel: "web", revenue: 25),
        ]);

        Assert.True(Matches(EmailThenWebPurchase, person));
    }

    [Fact]
    public void Unsorted_event_lists_give_the_same_answer_as_sorted_ones()
    {
        var random = new Random(7);
        var segment = SegmentCompiler.Compile("""sequence(events where type = "a", events where type = "b", events where type = "a") within 5d""");
        for (var round = 0; round < 200; round++)
        {
            var events = Enumerable.Range(0, random.Next(1, 9))
                .Select(i => Event(random.Next(2) == 0 ? "a" : "b", Now.AddDays(-random.Next(0, 12))))
                .ToList();
            var sorted = events.Select((e, i) => (e, i)).OrderBy(p => p.e.Timestamp).ThenBy(p => p.i).Select(p => p.e).ToList();

            Assert.Equal(segment.Evaluate(Subject(events: sorted), Now), segment.Evaluate(Subject(events: events), Now));
        }
    }

    [Fact]
    public void Sequence_agrees_with_a_brute_force_search_over_all_event_pairs()
    {
        var random = new Random(11);
        var segment = SegmentCompiler.Compile(ViewThenCart);
        var window = TimeSpan.FromDays(7);
        for (var round = 0; round < 300; round++)
        {
            var events = Enumerable.Range(0, random.Next(0, 7))
                .Select(_ => Event(random.Next(2) == 0 ? "view" : "cart", Now.AddHours(-random.Next(0, 24 * 16))))
                .OrderBy(e => e.Timestamp)
                .ToList();
            var expected = events.SelectMany((a, i) => events.Skip(i + 1).Select(b => (a, b)))
                .Any(p => p.a.Type == "view" && p.b.Type == "cart" && p.b.Timestamp - p.a.Timestamp <= window && p.b.Timestamp > Now - window);

            Assert.Equal(expected, segment.Evaluate(Subject(events: events), Now));
        }
    }
}
