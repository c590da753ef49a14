using Microsoft.Extensions.Time.Testing;
using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

/// <summary><c>within D</c> keeps events whose own timestamp is strictly after now - D.</summary>
public sealed class WindowTests
{
    private static readonly CompiledSegment PurchasedLast30Days =
        SegmentCompiler.Compile("""exists(events where type = "commerce.purchase" within 30d)""");

    [Fact]
    public void An_event_exactly_at_the_window_start_is_outside_the_window() =>
        Assert.False(PurchasedLast30Days.Evaluate(Subject(events: [Purchase(Now.AddDays(-30))]), Now));

    [Fact]
    public void An_event_one_tick_after_the_window_start_is_inside_the_window() =>
        Assert.True(PurchasedLast30Days.Evaluate(Subject(events: [Purchase(Now.AddDays(-30).AddTicks(1))]), Now));

    [Fact]
    public void An_event_at_now_is_inside_the_window() =>
        Assert.True(PurchasedLast30Days.Evaluate(Subject(events: [Purchase(Now)]), Now));

    [Fact]
    public void An_event_timestamped_after_now_counts_as_inside_the_window() =>
        Assert.True(PurchasedLast30Days.Evaluate(Subject(events: [Purchase(Now.AddHours(3))]), Now));

    [Fact]
    public void The_window_uses_the_event_timestamp_whatever_its_offset()
    {
        var purchase = Purchase(new DateTimeOffset(Now.AddDays(-30).AddMinutes(1).UtcDateTime).ToOffset(TimeSpan.FromHours(-7)));

        Assert.True(PurchasedLast30Days.Evaluate(Subject(events: [purchase]), Now));
        Assert.False(PurchasedLast30Days.Evaluate(Subject(events: [purchase]), Now.AddMinutes(1)));
    }

    [Fact]
    public void Without_a_window_every_event_of_the_profile_counts() =>
        Assert.True(Matches("""exists(events where type = "commerce.purchase")""", Subject(events: [Purchase(Now.AddYears(-5))])));

    [Fact]
    public void A_window_on_count_only_counts_events_inside_it()
    {
        var person = Subject(events: [Purchase(Now.AddDays(-1)), Purchase(Now.AddDays(-6)), Purchase(Now.AddDays(-8))]);

        Assert.True(Matches("count(events within 7d) = 2", person));
        Assert.True(Matches("count(events within 1w) = 2", person));
        Assert.True(Matches("count(events) = 3", person));
    }

    [Fact]
    public void Membership_flips_when_the_fake_clock_crosses_the_window_edge()
    {
        var clock = new FakeTimeProvider(Now);
        var person = Subject(events: [Purchase(Now.AddDays(-29))]);
        var lapsed = SegmentCompiler.Compile("""not exists(events where type = "commerce.purchase" within 30d)""");

        Assert.False(lapsed.Evaluate(person, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromTicks(1));
        Assert.False(lapsed.Evaluate(person, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(lapsed.Evaluate(person, clock.GetUtcNow()));
    }
}
