namespace ProfileGrid.Segments.UnitTests;

/// <summary>Dependencies let a profile re-evaluate only the segments a change can affect.</summary>
public sealed class DependencyTests
{
    private static SegmentDependencies Of(string expression) => SegmentCompiler.Compile(expression).Dependencies;

    [Fact]
    public void Lapsed_buyers_depend_on_purchases_only_and_have_a_time_window()
    {
        var dependencies = Of("""
            count(events where type = "commerce.purchase" and attributes.category = "yoga") >= 1
              and not exists(events where type = "commerce.purchase" within 30d)
            """);

        Assert.Equal(["commerce.purchase"], dependencies.EventTypes);
        Assert.False(dependencies.AnyEventType);
        Assert.True(dependencies.UsesEvents);
        Assert.True(dependencies.HasTimeWindows);
        Assert.True(dependencies.IsAffectedByEventType("commerce.purchase"));
        Assert.False(dependencies.IsAffectedByEventType("commerce.productView"));
        Assert.Empty(dependencies.TraitPaths);
        Assert.Empty(dependencies.StatsFields);
        Assert.Equal(StatsChange.None, dependencies.StatsRead);
    }

    [Fact]
    public void Profile_terms_are_listed_by_kind()
    {
        var dependencies = Of("""inSegment("luma-plus") and stats.lifetimeRevenue > 100 and (hasIdentity("email") or traits.address.country in ["US"]) and exists(stats.lastSeen)""");

        Assert.Equal(["luma-plus"], dependencies.SegmentIds);
        Assert.Equal(["lastSeen", "lifetimeRevenue"], dependencies.StatsFields.Order());
        Assert.Equal(StatsChange.LastSeen | StatsChange.LifetimeRevenue, dependencies.StatsRead);
        Assert.Equal(["email"], dependencies.IdentityNamespaces);
        Assert.Equal(["address.country"], dependencies.TraitPaths);
        Assert.False(dependencies.UsesEvents);
        Assert.False(dependencies.HasTimeWindows);
        Assert.False(dependencies.IsAffectedByEventType("commerce.purchase"));
    }

    [Theory]
    [InlineData("""exists(events where type = "a")""", false, new[] { "a" })]
    [InlineData("""exists(events where "a" = type)""", false, new[] { "a" })]
    [InlineData("""exists(events where type = "a" or type = "b")""", false, new[] { "a", "b" })]
    [InlineData("""exists(events where type in ["a", "b"])""", false, new[] { "a", "b" })]
    [InlineData("""exists(events where type in ["a", "b"] and type = "b")""", false, new[] { "b" })]
    [InlineData("""exists(events where type = "a" and channel = "web")""", false, new[] { "a" })]
    [InlineData("""exists(events where channel = "web" and (type = "a" or type = "c"))""", false, new[] { "a", "c" })]
    [InlineData("""exists(events where type = "a") and count(events where type = "b") > 1""", false, new[] { "a", "b" })]
    [InlineData("""sequence(events where type = "a", events where type = "b")""", false, new[] { "a", "b" })]
    [InlineData("""sum(revenue of events where type = "a") > 1""", false, new[] { "a" })]
    [InlineData("""exists(events where type = "a" or channel = "web")""", true, new[] { "x" })]
    [InlineData("""exists(events where not type = "a")""", true, new[] { "x" })]
    [InlineData("""exists(events where type != "a")""", true, new[] { "x" })]
    [InlineData("""exists(events where type startsWith "a")""", true, new[] { "x" })]
    [InlineData("""exists(events where channel = "web")""", true, new[] { "x" })]
    [InlineData("""count(events within 7d) > 3""", true, new[] { "x" })]
    [InlineData("""sequence(events where type = "a", events)""", true, new[] { "x" })]
    public void Event_sets_pinned_to_types_list_them_and_others_depend_on_any_type(string expression, bool anyType, string[] affectedBy)
    {
        var dependencies = Of(expression);

        Assert.Equal(anyType, dependencies.AnyEventType);
        Assert.All(affectedBy, type => Assert.True(dependencies.IsAffectedByEventType(type)));
        if (!anyType)
        {
            Assert.Equal(affectedBy.Order(), dependencies.EventTypes.Order());
            Assert.False(dependencies.IsAffectedByEventType("unrelated"));
        }
    }

    [Theory]
    [InlineData("address", true)]
    [InlineData("address.city", true)]
    [InlineData("address.city.district", true)]
    [InlineData("address.zip", false)]
    [InlineData("addr", false)]
    [InlineData("loyaltyTier", true)]
    public void A_trait_change_affects_the_segment_when_the_paths_overlap(string changedTrait, bool affected)
    {
        var dependencies = Of("""traits.address.city = "Paris" or traits.loyaltyTier = "plus" """.TrimEnd());

        Assert.Equal(affected, dependencies.IsAffectedByTrait(changedTrait));
    }

    [Fact]
    public void A_sequence_window_counts_as_a_time_window()
    {
        Assert.True(Of("""sequence(events, events) within 1d""").HasTimeWindows);
        Assert.False(Of("""sequence(events, events)""").HasTimeWindows);
    }
}
