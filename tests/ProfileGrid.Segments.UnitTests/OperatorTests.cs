using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

public sealed class OperatorTests
{
    private static readonly SegmentSubject Person = Subject(
        traits: """{"age":34,"name":"Sarah Connor","tier":"plus","vip":true,"tags":["yoga","running"],"joined":"2026-01-15T00:00:00Z","address":{"city":"Paris"}}""",
        stats: new ProfileStatsView
        {
            EventCount = 12,
            PurchaseCount = 2,
            LifetimeRevenue = 150.5,
            FirstSeen = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero),
            LastSeen = new DateTimeOffset(2026, 2, 28, 0, 0, 0, TimeSpan.Zero),
            MostEngagedChannel = "email",
        });

    [Theory]
    [InlineData("stats.eventCount = 12", true)]
    [InlineData("stats.eventCount = 11", false)]
    [InlineData("stats.eventCount != 11", true)]
    [InlineData("stats.eventCount != 12", false)]
    [InlineData("stats.eventCount < 13", true)]
    [InlineData("stats.eventCount < 12", false)]
    [InlineData("stats.eventCount <= 12", true)]
    [InlineData("stats.eventCount <= 11", false)]
    [InlineData("stats.eventCount > 11", true)]
    [InlineData("stats.eventCount > 12", false)]
    [InlineData("stats.eventCount >= 12", true)]
    [InlineData("stats.eventCount >= 13", false)]
    [InlineData("stats.lifetimeRevenue > 150.4", true)]
    [InlineData("stats.lifetimeRevenue > 150.5", false)]
    [InlineData("12 = stats.eventCount", true)]
    [InlineData("13 > stats.eventCount", true)]
    [InlineData("stats.purchaseCount < stats.eventCount", true)]
    public void Number_comparisons_follow_the_operator(string expression, bool expected) =>
        Assert.Equal(expected, Matches(expression, Person));

    [Theory]
    [InlineData("""stats.mostEngagedChannel = "email" """, true)]
    [InlineData("""stats.mostEngagedChannel = "Email" """, false)]
    [InlineData("""stats.mostEngagedChannel != "web" """, true)]
    [InlineData("""stats.mostEngagedChannel < "f" """, true)]
    [InlineData("""stats.mostEngagedChannel > "f" """, false)]
    [InlineData("""stats.mostEngagedChannel contains "mai" """, true)]
    [InlineData("""stats.mostEngagedChannel contains "MAI" """, false)]
    [InlineData("""stats.mostEngagedChannel startsWith "em" """, true)]
    [InlineData("""stats.mostEngagedChannel startsWith "ma" """, false)]
    [InlineData("""stats.mostEngagedChannel in ["web", "email"]""", true)]
    [InlineData("""stats.mostEngagedChannel in ["web", "sms"]""", false)]
    public void Text_comparisons_are_ordinal_and_case_sensitive(string expression, bool expected) =>
        Assert.Equal(expected, Matches(expression.TrimEnd(), Person));

    [Theory]
    [InlineData("""stats.firstSeen = date("2025-06-01")""", true)]
    [InlineData("""stats.firstSeen < date("2025-06-01T00:00:01Z")""", true)]
    [InlineData("""stats.firstSeen > date("2025-05-31T23:59:59Z")""", true)]
    [InlineData("""stats.firstSeen >= date("2025-06-01T02:00:00+02:00")""", true)]
    [InlineData("""stats.firstSeen > date("2025-06-01T02:00:00+02:00")""", false)]
    [InlineData("""stats.lastSeen in [date("2026-02-28"), date("2026-01-01")]""", true)]
    public void Date_comparisons_compare_instants(string expression, bool expected) =>
        Assert.Equal(expected, Matches(expression, Person));

    [Theory]
    [InlineData("""stats.lastPurchaseAt < date("2030-01-01")""")]
    [InlineData("""stats.lastPurchaseAt > date("2000-01-01")""")]
    [InlineData("""stats.lastPurchaseAt != date("2000-01-01")""")]
    public void A_missing_stats_date_makes_every_comparison_false(string expression) =>
        Assert.False(Matches(expression, Person));

    [Theory]
    [InlineData("traits.vip", true)]
    [InlineData("traits.vip = true", true)]
    [InlineData("traits.vip != false", true)]
    [InlineData("traits.vip = false", false)]
    [InlineData("not traits.vip", false)]
    [InlineData("traits.tier", false)]
    [InlineData("traits.missing", false)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("true = true", true)]
    public void Booleans_compare_with_equality_and_a_boolean_trait_is_a_condition_by_itself(string expression, bool expected) =>
        Assert.Equal(expected, Matches(expression, Person));

    [Theory]
    [InlineData("traits.name contains \"Con\"", true)]
    [InlineData("traits.name contains \"con\"", false)]
    [InlineData("traits.name startsWith \"Sarah\"", true)]
    [InlineData("traits.name startsWith \"Connor\"", false)]
    [InlineData("traits.tags contains \"yoga\"", true)]
    [InlineData("traits.tags contains \"tennis\"", false)]
    [InlineData("traits.tags startsWith \"yoga\"", false)]
    [InlineData("traits.age contains \"3\"", false)]
    [InlineData("traits.tags in [\"tennis\", \"running\"]", true)]
    [InlineData("traits.tags in [\"tennis\"]", false)]
    [InlineData("traits.address.city = \"Paris\"", true)]
    [InlineData("traits.address.city.name = \"Paris\"", false)]
    [InlineData("traits.address = \"Paris\"", false)]
    public void Contains_and_startsWith_match_text_and_contains_and_in_match_any_element_of_an_array_trait(string expression, bool expected) =>
        Assert.Equal(expected, Matches(expression, Person));

    [Theory]
    [InlineData("not stats.eventCount = 12", false)]
    [InlineData("not not stats.eventCount = 12", true)]
    [InlineData("stats.eventCount = 12 and stats.purchaseCount = 2", true)]
    [InlineData("stats.eventCount = 12 and stats.purchaseCount = 3", false)]
    [InlineData("stats.eventCount = 0 or stats.purchaseCount = 2", true)]
    [InlineData("stats.eventCount = 0 or stats.purchaseCount = 0", false)]
    [InlineData("stats.eventCount = 0 and stats.eventCount = 0 or stats.purchaseCount = 2", true)]
    [InlineData("stats.eventCount = 0 and (stats.eventCount = 0 or stats.purchaseCount = 2)", false)]
    [InlineData("stats.purchaseCount = 2 or stats.eventCount = 0 and stats.eventCount = 0", true)]
    [InlineData("(stats.purchaseCount = 2 or stats.eventCount = 0) and stats.eventCount = 0", false)]
    [InlineData("not stats.eventCount = 0 and stats.purchaseCount = 2", true)]
    [InlineData("not (stats.eventCount = 12 and stats.purchaseCount = 3)", true)]
    [InlineData("((stats.eventCount = 12))", true)]
    public void And_binds_tighter_than_or_and_not_binds_tightest(string expression, bool expected) =>
        Assert.Equal(expected, Matches(expression, Person));
}

/// <summary>Traits and attributes are typed at run time: a value of another type makes any comparison false.</summary>
public sealed class DynamicValueTests
{
    [Theory]
    [InlineData("""{"age":"thirty"}""", "traits.age > 18", false)]
    [InlineData("""{"age":30}""", "traits.age > 18", true)]
    [InlineData("""{"age":30}""", "traits.age = \"30\"", false)]
    [InlineData("""{"age":30}""", "traits.age != \"30\"", false)]
    [InlineData("""{"age":null}""", "traits.age != 3", false)]
    [InlineData("""{}""", "traits.age != 3", false)]
    [InlineData("""{}""", "not traits.age = 3", true)]
    [InlineData("""{"vip":"true"}""", "traits.vip = true", false)]
    [InlineData("""{"vip":true}""", "traits.vip = \"true\"", false)]
    [InlineData("""{"tier":"plus"}""", "traits.tier < \"q\"", true)]
    [InlineData("""{"joined":"2026-01-15T10:00:00Z"}""", "traits.joined > date(\"2026-01-15\")", true)]
    [InlineData("""{"joined":"2026-01-15T10:00:00+02:00"}""", "traits.joined = date(\"2026-01-15T08:00:00Z\")", true)]
    [InlineData("""{"joined":"2026-01-15T10:00:00"}""", "traits.joined = date(\"2026-01-15T10:00:00Z\")", true)]
    [InlineData("""{"joined":"not a date"}""", "traits.joined < date(\"2030-01-01\")", false)]
    [InlineData("""{"joined":"2026-01-15T10:00:00Z"}""", "traits.joined = \"2026-01-15T10:00:00Z\"", true)]
    [InlineData("""{"a":"x","b":"x"}""", "traits.a = traits.b", true)]
    [InlineData("""{"a":"x","b":"y"}""", "traits.a < traits.b", true)]
    [InlineData("""{"a":1,"b":"1"}""", "traits.a = traits.b", false)]
    [InlineData("""{"name":"caf\u00e9 \"bar\""}""", "traits.name contains \"é \\\"b\"", true)]
    [InlineData("""{"name":"caf\u00e9 \"bar\""}""", "traits.name startsWith \"café\"", true)]
    [InlineData("""{"name":"café"}""", "traits.name contains \"fé\"", true)]
    [InlineData("""{"name":"café"}""", "traits.name = \"café\"", true)]
    [InlineData("""{"n":1e400}""", "traits.n > 0", false)]
    public void Trait_comparisons_use_the_runtime_type_of_the_value(string traits, string expression, bool expected) =>
        Assert.Equal(expected, Matches(expression, Subject(traits)));

    [Theory]
    [InlineData("""{"category":"yoga"}""", "attributes.category = \"yoga\"", true)]
    [InlineData("""{"category":7}""", "attributes.category = \"yoga\"", false)]
    [InlineData("""{"size":{"eu":38}}""", "attributes.size.eu >= 38", true)]
    [InlineData("""{"size":{"eu":"38"}}""", "attributes.size.eu >= 38", false)]
    [InlineData(null, "attributes.category = \"yoga\"", false)]
    [InlineData("""{"coupon":"SAVE10"}""", "exists(attributes.coupon)", true)]
    [InlineData("""{"coupon":null}""", "exists(attributes.coupon)", false)]
    [InlineData("""{"gift":true}""", "attributes.gift", true)]
    [InlineData("""{"gift":"yes"}""", "attributes.gift", false)]
    public void Attribute_comparisons_use_the_runtime_type_of_the_value(string? attributes, string predicate, bool expected)
    {
        var person = Subject(events: [Event("commerce.purchase", Now.AddDays(-1), attributes: attributes)]);

        Assert.Equal(expected, Matches($"exists(events where {predicate})", person));
    }

    [Theory]
    [InlineData("""{"email":"s@luma.com"}""", "exists(traits.email)", true)]
    [InlineData("""{"email":null}""", "exists(traits.email)", false)]
    [InlineData("""{}""", "exists(traits.email)", false)]
    [InlineData("""{"address":{"city":"Paris"}}""", "exists(traits.address.city)", true)]
    [InlineData("""{}""", "exists(stats.lastPurchaseAt)", false)]
    public void Exists_of_a_field_is_true_when_it_is_present_and_not_null(string traits, string expression, bool expected) =>
        Assert.Equal(expected, Matches(expression, Subject(traits)));

    [Fact]
    public void Traits_that_are_not_an_object_read_as_missing()
    {
        var person = new SegmentSubject { Traits = Json("[1,2]") };

        Assert.False(Matches("traits.a = 1", person));
        Assert.True(Matches("not exists(traits.a)", new SegmentSubject()));
    }
}
