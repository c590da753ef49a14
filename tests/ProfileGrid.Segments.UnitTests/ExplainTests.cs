using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

/// <summary>Explain tells a marketer why a person is in or out: every condition, its value for the person and whether it held.</summary>
public sealed class ExplainTests
{
    private const string LapsedYogaBuyers = """
        count(events where type = "commerce.purchase" and attributes.category = "yoga") >= 1
          and not exists(events where type = "commerce.purchase" within 30d)
        """;

    [Fact]
    public void Explain_shows_why_sarah_is_a_lapsed_yoga_buyer()
    {
        var explanation = SegmentCompiler.Compile(LapsedYogaBuyers).Explain(Sarah(Now.AddDays(-31)), Now);

        Assert.True(explanation.Result);
        Assert.Equal(
            [
                new ConditionExplanation("count(events where type = \"commerce.purchase\" and attributes.category = \"yoga\") >= 1", 1, 1, "1", Held: true, Negated: false),
                new ConditionExplanation("exists(events where type = \"commerce.purchase\" within 30d)", 2, 11, "0 matching events", Held: false, Negated: true),
            ],
            explanation.Conditions);
        Assert.All(explanation.Conditions, c => Assert.True(c.Satisfied));
    }

    [Fact]
    public void Explain_shows_which_condition_keeps_a_recent_buyer_out()
    {
        var explanation = SegmentCompiler.Compile(LapsedYogaBuyers).Explain(Sarah(Now.AddDays(-1)), Now);

        Assert.False(explanation.Result);
        var blocking = Assert.Single(explanation.Conditions, c => !c.Satisfied);
        Assert.Equal("1 matching event", blocking.Value);
        Assert.True(blocking.Held);
        Assert.True(blocking.Negated);
    }

    [Fact]
    public void Explain_reports_every_condition_even_those_evaluation_short_circuits()
    {
        var segment = SegmentCompiler.Compile("""hasIdentity("email") or traits.country in ["US", "CA"] or inSegment("luma-plus")""");

        var explanation = segment.Explain(Subject("""{"country":"FR"}""", identities: ["email"]), Now);

        Assert.True(explanation.Result);
        Assert.Equal(
            [("hasIdentity(\"email\")", "true", true), ("traits.country in [\"US\", \"CA\"]", "\"FR\"", false), ("inSegment(\"luma-plus\")", "false", false)],
            explanation.Conditions.Select(c => (c.Source, c.Value, c.Held)).ToArray());
    }

    [Theory]
    [InlineData("traits.loyaltyTier = \"plus\"", "\"plus\"", true)]
    [InlineData("traits.missing = \"plus\"", "(none)", false)]
    [InlineData("traits.tags contains \"yoga\"", "[\"yoga\",\"run\"]", true)]
    [InlineData("traits.age > 30", "34", true)]
    [InlineData("traits.vip", "true", true)]
    [InlineData("exists(traits.address)", "{\"city\":\"Paris\"}", true)]
    [InlineData("stats.lifetimeRevenue > 100", "150.5", true)]
    [InlineData("stats.lastPurchaseAt < date(\"2026-01-01\")", "2025-12-24T08:00:00Z", true)]
    [InlineData("stats.mostEngagedChannel startsWith \"e\"", "\"email\"", true)]
    [InlineData("100 < stats.lifetimeRevenue", "150.5", true)]
    [InlineData("stats.eventCount < stats.lifetimeRevenue", "3 vs 150.5", true)]
    [InlineData("sum(revenue of events) >= 100", "120", true)]
    [InlineData("avg(revenue of events where type = \"none\") >= 100", "(none)", false)]
    [InlineData("max(timestamp of events) > date(\"2026-01-01\")", "2026-02-28T12:00:00Z", true)]
    [InlineData("exists(events where type = \"commerce.purchase\")", "2 matching events", true)]
    [InlineData("hasIdentity(\"phone\")", "false", false)]
    [InlineData("inSegment(\"luma-plus\")", "true", true)]
    public void Explain_reports_the_value_found_for_the_person(string expression, string value, bool held)
    {
        var person = Subject(
            traits: """{"loyaltyTier":"plus","tags":["yoga","run"],"age":34,"vip":true,"address":{"city":"Paris"}}""",
            events: [Event("commerce.purchase", Now.AddDays(-2), revenue: 70), Event("commerce.purchase", Now.AddDays(-1), revenue: 50)],
            stats: new ProfileStatsView
            {
                EventCount = 3,
                LifetimeRevenue = 150.5,
                LastPurchaseAt = new DateTimeOffset(2025, 12, 24, 9, 0, 0, TimeSpan.FromHours(1)),
                MostEngagedChannel = "email",
            },
            segments: ["luma-plus"]);

        var condition = Assert.Single(SegmentCompiler.Compile(expression).Explain(person, Now).Conditions);

        Assert.Equal((value, held), (condition.Value, condition.Held));
        Assert.Equal(expression, condition.Source);
    }

    [Fact]
    public void Explain_describes_a_sequence_by_its_last_matching_step()
    {
        var segment = SegmentCompiler.Compile("""sequence(events where type = "view", events where type = "cart") within 7d""");
        var person = Subject(events: [Event("view", Now.AddDays(-3)), Event("cart", Now.AddDays(-2))]);

        var matched = Assert.Single(segment.Explain(person, Now).Conditions);
        var unmatched = Assert.Single(segment.Explain(Subject(), Now).Conditions);

        Assert.Equal("matched, last step at 2026-02-27T12:00:00Z", matched.Value);
        Assert.Equal("no match", unmatched.Value);
    }

    [Fact]
    public void Double_negation_is_reported_as_not_negated()
    {
        var condition = Assert.Single(SegmentCompiler.Compile("not (not traits.vip)").Explain(Subject("""{"vip":true}"""), Now).Conditions);

        Assert.False(condition.Negated);
        Assert.True(condition.Satisfied);
    }

    [Fact]
    public void Explain_as_text_lists_each_condition_with_its_outcome()
    {
        var text = SegmentCompiler.Compile(LapsedYogaBuyers).Explain(Sarah(Now.AddDays(-1)), Now).ToString();

        Assert.Equal(
            """
            not in segment
              [ok] count(events where type = "commerce.purchase" and attributes.category = "yoga") >= 1: true (found 1)
              [no] not exists(events where type = "commerce.purchase" within 30d): true (found 1 matching event)
            """.ReplaceLineEndings(),
            text.ReplaceLineEndings());
    }
}
