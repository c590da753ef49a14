using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

/// <summary>The reference examples of the language, exactly as written (line breaks included), on hand-built profiles.</summary>
public sealed class BriefExamplesTests
{
    private const string PlusMembers = "traits.loyaltyTier = \"plus\"";

    private const string LapsedYogaBuyers = """
        count(events where type = "commerce.purchase" and attributes.category = "yoga") >= 1
          and not exists(events where type = "commerce.purchase" within 30d)
        """;

    private const string CartAbandoners = """
        exists(events where type = "commerce.addToCart" within 1h)
          and not exists(events where type = "commerce.purchase" within 1h)
        """;

    private const string ValuablePlusMembers = """inSegment("luma-plus") and stats.lifetimeRevenue > 100""";

    private const string ReachableNorthAmericans = """hasIdentity("email") or traits.country in ["US", "CA"]""";

    private const string BrowsedThenCarted = """sequence(events where type = "commerce.productView", events where type = "commerce.addToCart") within 7d""";

    public static TheoryData<string> AllExamples() =>
        [PlusMembers, LapsedYogaBuyers, CartAbandoners, ValuablePlusMembers, ReachableNorthAmericans, BrowsedThenCarted];

    [Theory]
    [MemberData(nameof(AllExamples))]
    public void Every_reference_example_compiles(string expression)
    {
        var segment = SegmentCompiler.Compile(expression);

        Assert.Equal(expression, segment.Expression);
    }

    [Fact]
    public void Reference_examples_with_crlf_line_breaks_compile_to_the_same_canonical_form()
    {
        var unix = SegmentCompiler.Compile(LapsedYogaBuyers);
        var windows = SegmentCompiler.Compile(LapsedYogaBuyers.ReplaceLineEndings("\r\n"));

        Assert.Equal(unix.CanonicalExpression, windows.CanonicalExpression);
    }

    [Theory]
    [InlineData("""{"loyaltyTier":"plus"}""", true)]
    [InlineData("""{"loyaltyTier":"gold"}""", false)]
    [InlineData("""{"loyaltyTier":"Plus"}""", false)]
    [InlineData("""{}""", false)]
    public void Plus_members_are_those_whose_loyalty_tier_trait_is_plus(string traits, bool expected) =>
        Assert.Equal(expected, Matches(PlusMembers, Subject(traits)));

    [Fact]
    public void Sarah_whose_last_yoga_purchase_was_31_days_ago_is_a_lapsed_yoga_buyer() =>
        Assert.True(Matches(LapsedYogaBuyers, Sarah(Now.AddDays(-31))));

    [Fact]
    public void Sarah_who_bought_yoga_gear_yesterday_is_not_a_lapsed_yoga_buyer() =>
        Assert.False(Matches(LapsedYogaBuyers, Sarah(Now.AddDays(-1))));

    [Fact]
    public void Someone_who_never_bought_yoga_gear_is_not_a_lapsed_yoga_buyer()
    {
        var runner = Subject(events: [Purchase(Now.AddDays(-40), category: "running")]);

        Assert.False(Matches(LapsedYogaBuyers, runner));
    }

    [Fact]
    public void A_lapsed_yoga_buyer_who_recently_bought_something_else_is_not_lapsed()
    {
        var person = Subject(events: [Purchase(Now.AddDays(-40)), Purchase(Now.AddDays(-3), category: "running")]);

        Assert.False(Matches(LapsedYogaBuyers, person));
    }

    [Theory]
    [InlineData(-10, null, true)]
    [InlineData(-10, -5, false)]
    [InlineData(-10, -61, true)]
    [InlineData(-61, null, false)]
    public void Cart_abandoners_added_to_cart_in_the_last_hour_and_did_not_buy_in_that_hour(int cartMinutesAgo, int? purchaseMinutesAgo, bool expected)
    {
        var events = new List<SegmentEvent> { Event("commerce.addToCart", Now.AddMinutes(cartMinutesAgo)) };
        if (purchaseMinutesAgo is { } minutes)
        {
            events.Add(Purchase(Now.AddMinutes(minutes)));
        }

        Assert.Equal(expected, Matches(CartAbandoners, Subject(events: events)));
    }

    [Theory]
    [InlineData(true, 150, true)]
    [InlineData(true, 100, false)]
    [InlineData(false, 150, false)]
    public void Valuable_plus_members_are_in_luma_plus_with_more_than_100_lifetime_revenue(bool inLumaPlus, double revenue, bool expected)
    {
        var person = Subject(
            stats: new ProfileStatsView { LifetimeRevenue = revenue },
            segments: inLumaPlus ? ["luma-plus"] : []);

        Assert.Equal(expected, Matches(ValuablePlusMembers, person));
    }

    [Theory]
    [InlineData("email", """{"country":"FR"}""", true)]
    [InlineData("phone", """{"country":"CA"}""", true)]
    [InlineData("phone", """{"country":"US"}""", true)]
    [InlineData("phone", """{"country":"FR"}""", false)]
    [InlineData("phone", """{}""", false)]
    public void Reachable_north_americans_have_an_email_or_live_in_the_us_or_canada(string identity, string traits, bool expected) =>
        Assert.Equal(expected, Matches(ReachableNorthAmericans, Subject(traits, identities: [identity])));

    [Theory]
    [InlineData(-3, -2, true)]
    [InlineData(-2, -3, false)]
    [InlineData(-10, -2, false)]
    [InlineData(-9, -8, false)]
    [InlineData(-7, -1, true)]
    public void Browsed_then_carted_needs_a_view_then_an_add_to_cart_within_seven_days(int viewDaysAgo, int cartDaysAgo, bool expected)
    {
        var person = Subject(events:
        [
            Event("commerce.productView", Now.AddDays(viewDaysAgo)),
            Event("commerce.addToCart", Now.AddDays(cartDaysAgo)),
        ]);

        Assert.Equal(expected, Matches(BrowsedThenCarted, person));
    }
}
