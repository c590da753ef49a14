using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

/// <summary>The catalog keeps inSegment references consistent and orders evaluation so referenced segments come first.</summary>
public sealed class CatalogTests
{
    private static KeyValuePair<string, CompiledSegment> Segment(string id, string expression) =>
        new(id, SegmentCompiler.Compile(expression));

    [Fact]
    public void Segments_are_evaluated_after_the_segments_they_reference()
    {
        var catalog = SegmentCatalog.Create(
        [
            Segment("valuable-plus", """inSegment("luma-plus") and stats.lifetimeRevenue > 100"""),
            Segment("luma-plus", """traits.loyaltyTier = "plus" """.TrimEnd()),
            Segment("vip-reachable", """inSegment("valuable-plus") and hasIdentity("email")"""),
            Segment("anyone", "true"),
        ]);

        Assert.Equal(["anyone", "luma-plus", "valuable-plus", "vip-reachable"], catalog.EvaluationOrder);
        Assert.Equal(4, catalog.Count);
    }

    [Fact]
    public void Independent_segments_are_ordered_by_id_so_the_order_is_stable()
    {
        var catalog = SegmentCatalog.Create([Segment("c", "true"), Segment("a", "true"), Segment("b", "true")]);

        Assert.Equal(["a", "b", "c"], catalog.EvaluationOrder);
    }

    [Fact]
    public void A_segment_referencing_itself_is_rejected_naming_the_cycle()
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCatalog.Create([Segment("a", "traits.x = 1 or\n  inSegment(\"a\")")]));

        var error = Assert.Single(exception.Errors);
        Assert.Equal("segment 'a', line 2, column 3: found a cycle of inSegment references (a -> a), expected segments that do not depend on themselves", error.ToString());
    }

    [Fact]
    public void Two_segments_referencing_each_other_are_rejected_naming_the_cycle()
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCatalog.Create(
            [Segment("a", """inSegment("b")"""), Segment("b", """traits.x = 1 and inSegment("a")""")]));

        var error = Assert.Single(exception.Errors);
        Assert.Contains("(a -> b -> a)", error.Message, StringComparison.Ordinal);
        Assert.Equal(("b", 1, 18), (error.SegmentId, error.Line, error.Column));
    }

    [Fact]
    public void A_longer_cycle_is_reported_with_every_segment_on_it()
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCatalog.Create(
            [Segment("a", """inSegment("b")"""), Segment("b", """inSegment("c")"""), Segment("c", """inSegment("a")"""), Segment("d", """inSegment("a")""")]));

        Assert.Contains("(a -> b -> c -> a)", Assert.Single(exception.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_to_an_unknown_segment_is_rejected_at_its_position()
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCatalog.Create([Segment("a", """traits.x = 1 and inSegment("ghost")""")]));

        Assert.Equal(
            "segment 'a', line 1, column 18: found inSegment(\"ghost\"), expected the id of a defined segment (there is no segment 'ghost')",
            Assert.Single(exception.Errors).ToString());
    }

    [Fact]
    public void Adding_a_segment_that_closes_a_cycle_fails_and_leaves_the_catalog_as_it_was()
    {
        var catalog = SegmentCatalog.Empty.With("b", SegmentCompiler.Compile("true")).With("a", SegmentCompiler.Compile("""inSegment("b")"""));

        Assert.Throws<SegmentDefinitionException>(() => catalog.With("b", SegmentCompiler.Compile("""inSegment("a")""")));

        Assert.Equal(["b", "a"], catalog.EvaluationOrder);
        Assert.Equal("true", catalog["b"].Expression);
    }

    [Fact]
    public void Replacing_a_segment_updates_the_order()
    {
        var catalog = SegmentCatalog.Create([Segment("a", "true"), Segment("b", """inSegment("a")""")]);

        var replaced = catalog.With("a", SegmentCompiler.Compile("true")).With("b", SegmentCompiler.Compile("true")).With("a", SegmentCompiler.Compile("""inSegment("b")"""));

        Assert.Equal(["b", "a"], replaced.EvaluationOrder);
    }

    [Fact]
    public void A_segment_still_referenced_by_another_cannot_be_removed()
    {
        var catalog = SegmentCatalog.Create([Segment("a", "true"), Segment("b", """inSegment("a")""")]);

        var exception = Assert.Throws<SegmentDefinitionException>(() => catalog.Without("a"));

        Assert.Equal("b", Assert.Single(exception.Errors).SegmentId);
        Assert.Equal(["a"], catalog.Without("b").EvaluationOrder);
    }

    [Fact]
    public void Dependents_of_a_segment_are_found_transitively_in_evaluation_order()
    {
        var catalog = SegmentCatalog.Create(
        [
            Segment("base", "true"),
            Segment("mid", """inSegment("base")"""),
            Segment("top", """inSegment("mid") and inSegment("base")"""),
            Segment("other", "false"),
        ]);

        Assert.Equal(["mid", "top"], catalog.GetDependents("base"));
        Assert.Equal(["top"], catalog.GetDependents("mid"));
        Assert.Empty(catalog.GetDependents("top"));
        Assert.Empty(catalog.GetDependents("unknown"));
    }

    [Fact]
    public void Duplicate_ids_are_a_programming_error() =>
        Assert.Throws<ArgumentException>(() => SegmentCatalog.Create([Segment("a", "true"), Segment("a", "false")]));

    [Fact]
    public void Evaluating_in_catalog_order_lets_each_segment_see_fresh_memberships()
    {
        var catalog = SegmentCatalog.Create(
        [
            Segment("vip-reachable", """inSegment("valuable-plus") and hasIdentity("email")"""),
            Segment("valuable-plus", """inSegment("luma-plus") and stats.lifetimeRevenue > 100"""),
            Segment("luma-plus", "traits.loyaltyTier = \"plus\""),
        ]);
        var memberships = new HashSet<string>();
        var sarah = new SegmentSubject
        {
            Traits = Json("""{"loyaltyTier":"plus"}"""),
            Stats = new ProfileStatsView { LifetimeRevenue = 250 },
            IdentityNamespaces = new HashSet<string> { "email" },
            Segments = memberships,
        };

        foreach (var id in catalog.EvaluationOrder)
        {
            if (catalog[id].Evaluate(sarah, Now))
            {
                memberships.Add(id);
            }
        }

        Assert.Equal(["luma-plus", "valuable-plus", "vip-reachable"], memberships.Order());
        Assert.True(catalog.TryGetSegment("luma-plus", out _));
        Assert.False(catalog.Contains("nope"));
    }
}
