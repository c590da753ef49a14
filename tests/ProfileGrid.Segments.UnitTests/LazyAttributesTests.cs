namespace ProfileGrid.Segments.UnitTests;

/// <summary>Events can carry their attributes as text, parsed only when a condition reaches them.</summary>
public sealed class LazyAttributesTests
{
    private sealed class CountingParser : ISegmentAttributeParser
    {
        public List<string> Parsed { get; } = [];

        public JsonElement Parse(string attributesJson)
        {
            Parsed.Add(attributesJson);
            return Profiles.Json(attributesJson);
        }
    }

    private static SegmentEvent Lazy(string type, DateTimeOffset at, string attributes, ISegmentAttributeParser parser) =>
        new(type, at, "web", null, null, attributes, parser);

    [Fact]
    public void Attributes_are_parsed_only_for_the_events_a_condition_reaches_them_on()
    {
        var parser = new CountingParser();
        var view = """{"category":"yoga","page":"/mats"}""";
        var purchase = """{"category":"yoga"}""";
        var subject = Profiles.Subject(events:
        [
            Lazy("web.pageView", Profiles.Now.AddHours(-3), view, parser),
            Lazy("commerce.purchase", Profiles.Now.AddHours(-2), purchase, parser),
        ]);

        Assert.True(Profiles.Matches("""exists(events where type = "commerce.purchase" and attributes.category = "yoga")""", subject));
        Assert.Equal([purchase], parser.Parsed);
        Assert.False(Profiles.Matches("""exists(events where type = "commerce.refund" and attributes.category = "yoga")""", subject));
        Assert.Equal([purchase], parser.Parsed);
    }

    [Fact]
    public void A_lazily_parsed_event_reads_the_same_as_one_built_with_its_attributes()
    {
        var attributes = """{"category":"running","size":{"eu":42},"tags":["trail","sale"]}""";
        var parsed = Profiles.Subject(events: [Profiles.Event("commerce.purchase", Profiles.Now.AddDays(-1), channel: "web", attributes: attributes)]);
        var lazy = Profiles.Subject(events: [Lazy("commerce.purchase", Profiles.Now.AddDays(-1), attributes, new CountingParser())]);
        string[] expressions =
        [
            """exists(events where attributes.category = "running")""",
            """exists(events where attributes.size.eu >= 42)""",
            """exists(events where attributes.tags contains "sale")""",
            """exists(events where attributes.category = "yoga")""",
            """count(events where attributes.missing = "x") >= 1""",
        ];

        Assert.All(expressions, e => Assert.Equal(Profiles.Matches(e, parsed), Profiles.Matches(e, lazy)));
        Assert.Equal([true, true, true, false, false], expressions.Select(e => Profiles.Matches(e, lazy)));
    }

    [Fact]
    public void Attributes_given_with_init_replace_deferred_ones()
    {
        var parser = new CountingParser();
        var deferred = Lazy("commerce.purchase", Profiles.Now, """{"category":"yoga"}""", parser);

        var replaced = deferred with { Attributes = Profiles.Json("""{"category":"running"}""") };

        Assert.Equal("running", replaced.Attributes.GetProperty("category").GetString());
        Assert.Empty(parser.Parsed);
    }
}
