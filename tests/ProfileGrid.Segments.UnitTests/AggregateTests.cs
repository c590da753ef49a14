using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

public sealed class AggregateTests
{
    private static readonly SegmentSubject Shopper = Subject(events:
    [
        Event("commerce.purchase", Now.AddDays(-100), revenue: 500, attributes: """{"items":5}"""),
        Event("commerce.purchase", Now.AddDays(-20), revenue: 120, attributes: """{"items":2}"""),
        Event("commerce.purchase", Now.AddDays(-10), revenue: 80, attributes: """{"items":"many"}"""),
        Event("commerce.purchase", Now.AddDays(-5), revenue: null, attributes: """{"items":1}"""),
        Event("commerce.refund", Now.AddDays(-4), revenue: -80),
        Event("commerce.productView", Now.AddDays(-1)),
    ]);

    [Theory]
    [InlineData("count(events) = 6")]
    [InlineData("count(events where type = \"commerce.purchase\") = 4")]
    [InlineData("count(events where type = \"commerce.purchase\" within 30d) = 3")]
    [InlineData("count(events where type = \"nothing\") = 0")]
    [InlineData("sum(revenue of events where type = \"commerce.purchase\") = 700")]
    [InlineData("sum(revenue of events where type = \"commerce.purchase\" within 90d) = 200")]
    [InlineData("sum(revenue of events where type = \"commerce.purchase\" within 90d) > 199.99")]
    [InlineData("sum(revenue of events) = 620")]
    [InlineData("sum(revenue of events where type = \"nothing\") = 0")]
    [InlineData("avg(revenue of events where type = \"commerce.purchase\" within 30d) = 100")]
    [InlineData("min(revenue of events) = -80")]
    [InlineData("max(revenue of events within 30d) = 120")]
    [InlineData("sum(attributes.items of events where type = \"commerce.purchase\") = 8")]
    [InlineData("avg(attributes.items of events) > 2.66 and avg(attributes.items of events) < 2.67")]
    [InlineData("max(timestamp of events where type = \"commerce.purchase\") = date(\"2026-02-24T12:00:00Z\")")]
    [InlineData("min(timestamp of events within 30d) = date(\"2026-02-09T12:00:00Z\")")]
    public void Aggregates_compute_over_the_filtered_windowed_events_skipping_missing_values(string expression)
        => Assert.True(Matches(expression, Shopper), expression);

    [Theory]
    [InlineData("avg(revenue of events where type = \"nothing\") = 0")]
    [InlineData("avg(revenue of events where type = \"nothing\") != 0")]
    [InlineData("min(revenue of events where type = \"nothing\") < 1000")]
    [InlineData("max(timestamp of events where type = \"nothing\") < date(\"2100-01-01\")")]
    [InlineData("max(revenue of events where type = \"commerce.productView\") >= 0")]
    public void Avg_min_and_max_of_no_values_are_missing_so_every_comparison_is_false(string expression) =>
        Assert.False(Matches(expression, Shopper));

    [Fact]
    public void Aggregates_can_be_compared_with_each_other_and_with_stats()
    {
        var person = Subject(
            events: [Event("commerce.purchase", Now.AddDays(-1), revenue: 40), Event("commerce.purchase", Now.AddDays(-2), revenue: 60)],
            stats: new ProfileStatsView { LifetimeRevenue = 100 });

        Assert.True(Matches("sum(revenue of events) = stats.lifetimeRevenue", person));
        Assert.True(Matches("max(revenue of events) > min(revenue of events)", person));
        Assert.True(Matches("count(events) < sum(revenue of events)", person));
    }
}
