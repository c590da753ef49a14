using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

/// <summary>NextTimeChange drives timers so that windows flip membership by themselves, exactly on time.</summary>
public sealed class NextTimeChangeTests
{
    private static readonly CompiledSegment LapsedYogaBuyers = SegmentCompiler.Compile("""
        count(events where type = "commerce.purchase" and attributes.category = "yoga") >= 1
          and not exists(events where type = "commerce.purchase" within 30d)
        """);

    [Fact]
    public void A_recent_buyer_becomes_lapsed_exactly_30_days_after_the_last_purchase()
    {
        var lastPurchase = Now.AddDays(-1);
        var sarah = Sarah(lastPurchase);

        var next = LapsedYogaBuyers.NextTimeChange(sarah, Now);

        Assert.Equal(lastPurchase.AddDays(30), next);
        Assert.False(LapsedYogaBuyers.Evaluate(sarah, next!.Value.AddTicks(-1)));
        Assert.True(LapsedYogaBuyers.Evaluate(sarah, next.Value));
    }

    [Fact]
    public void With_several_purchases_the_flip_waits_for_the_latest_one()
    {
        var person = Subject(events: [Purchase(Now.AddDays(-40)), Purchase(Now.AddDays(-5)), Purchase(Now.AddDays(-2))]);

        Assert.Equal(Now.AddDays(28), LapsedYogaBuyers.NextTimeChange(person, Now));
    }

    [Fact]
    public void A_lapsed_buyer_stays_lapsed_without_new_data_so_no_timer_is_needed() =>
        Assert.Null(LapsedYogaBuyers.NextTimeChange(Sarah(Now.AddDays(-31)), Now));

    [Fact]
    public void Someone_who_never_bought_yoga_gear_cannot_become_lapsed_by_time_alone()
    {
        var person = Subject(events: [Purchase(Now.AddDays(-1), category: "running")]);

        Assert.Null(LapsedYogaBuyers.NextTimeChange(person, Now));
    }

    [Fact]
    public void A_cart_abandoner_leaves_the_segment_when_the_add_to_cart_leaves_the_hour()
    {
        var segment = SegmentCompiler.Compile("""
            exists(events where type = "commerce.addToCart" within 1h)
              and not exists(events where type = "commerce.purchase" within 1h)
            """);
        var person = Subject(events: [Event("commerce.addToCart", Now.AddMinutes(-10))]);

        var result = segment.EvaluateWithNextChange(person, Now);

        Assert.Equal(new SegmentResult(true, Now.AddMinutes(50)), result);
        Assert.False(segment.Evaluate(person, Now.AddMinutes(50)));
    }

    [Fact]
    public void A_sequence_expires_when_its_last_step_leaves_the_window()
    {
        var segment = SegmentCompiler.Compile("""sequence(events where type = "view", events where type = "cart") within 7d""");
        var person = Subject(events: [Event("view", Now.AddDays(-3)), Event("cart", Now.AddDays(-2)), Event("view", Now.AddDays(-1))]);

        Assert.Equal(Now.AddDays(5), segment.NextTimeChange(person, Now));
        Assert.True(segment.Evaluate(person, Now.AddDays(5).AddTicks(-1)));
        Assert.False(segment.Evaluate(person, Now.AddDays(5)));
    }

    [Fact]
    public void A_count_changes_when_its_oldest_event_in_the_window_leaves_it()
    {
        var segment = SegmentCompiler.Compile("count(events within 7d) >= 2");
        var person = Subject(events: [Event("a", Now.AddDays(-6)), Event("a", Now.AddDays(-3)), Event("a", Now.AddDays(-1))]);

        var next = segment.NextTimeChange(person, Now);

        Assert.Equal(Now.AddDays(1), next);
        Assert.True(segment.Evaluate(person, next!.Value));
        Assert.Equal(Now.AddDays(4), segment.NextTimeChange(person, next.Value));
        Assert.False(segment.Evaluate(person, Now.AddDays(4)));
    }

    [Fact]
    public void A_windowed_sum_changes_when_a_contributing_event_leaves()
    {
        var segment = SegmentCompiler.Compile("sum(revenue of events within 30d) > 100");
        var person = Subject(events: [Event("p", Now.AddDays(-20), revenue: 80), Event("p", Now.AddDays(-10), revenue: 80)]);

        Assert.Equal(Now.AddDays(10), segment.NextTimeChange(person, Now));
        Assert.False(segment.Evaluate(person, Now.AddDays(10)));
    }

    [Fact]
    public void An_event_timestamped_in_the_future_expires_a_window_after_its_own_timestamp()
    {
        var segment = SegmentCompiler.Compile("exists(events within 1h)");

        Assert.Equal(Now.AddHours(3), segment.NextTimeChange(Subject(events: [Event("x", Now.AddHours(2))]), Now));
    }

    [Theory]
    [InlineData("traits.loyaltyTier = \"plus\"")]
    [InlineData("count(events) > 1")]
    [InlineData("stats.lastSeen < date(\"2026-01-01\")")]
    [InlineData("exists(events where timestamp > date(\"2026-01-01\"))")]
    [InlineData("sequence(events, events)")]
    [InlineData("inSegment(\"luma-plus\")")]
    public void Segments_without_windows_never_change_by_time_alone(string expression)
    {
        var person = Subject("""{"loyaltyTier":"plus"}""", events: [Event("a", Now.AddDays(-1)), Event("b", Now.AddHours(-1))]);

        Assert.Null(SegmentCompiler.Compile(expression).NextTimeChange(person, Now));
    }

    [Fact]
    public void An_or_that_is_true_for_good_needs_no_timer()
    {
        var segment = SegmentCompiler.Compile("traits.vip or exists(events within 1d)");
        var person = Subject("""{"vip":true}""", events: [Event("a", Now.AddHours(-1))]);

        Assert.Null(segment.NextTimeChange(person, Now));
        Assert.Equal(Now.AddHours(23), segment.NextTimeChange(Subject("""{"vip":false}""", events: [Event("a", Now.AddHours(-1))]), Now));
    }

    [Fact]
    public void An_and_that_is_false_for_good_needs_no_timer()
    {
        var segment = SegmentCompiler.Compile("traits.vip and exists(events within 1d)");

        Assert.Null(segment.NextTimeChange(Subject("""{"vip":false}""", events: [Event("a", Now.AddHours(-1))]), Now));
    }

    [Fact]
    public void Following_the_timers_reproduces_every_change_of_membership()
    {
        var segment = SegmentCompiler.Compile("""
            (count(events where type = "a" within 3d) >= 2 or exists(events where type = "b" within 1d))
              and not sequence(events where type = "a", events where type = "b") within 10h
            """);
        var person = Subject(events:
        [
            Event("a", Now.AddDays(-2.5)), Event("a", Now.AddDays(-2)), Event("b", Now.AddDays(-1.5)),
            Event("a", Now.AddDays(-0.5)), Event("b", Now.AddHours(-3)),
        ]);

        var changes = new List<DateTimeOffset>();
        var at = Now;
        var member = segment.Evaluate(person, at);
        while (segment.NextTimeChange(person, at) is { } next)
        {
            Assert.True(next > at);
            Assert.Equal(member, segment.Evaluate(person, next.AddTicks(-1)));
            var now = segment.Evaluate(person, next);
            if (now != member)
            {
                changes.Add(next);
            }

            (at, member) = (next, now);
        }

        var expected = Enumerable.Range(0, 24 * 5 * 60)
            .Select(minute => Now.AddMinutes(minute))
            .Where(t => segment.Evaluate(person, t) != segment.Evaluate(person, t.AddMinutes(-1)))
            .ToList();
        Assert.Equal(expected, changes);
        Assert.Equal([Now.AddHours(7), Now.AddDays(1)], changes);
    }
}
