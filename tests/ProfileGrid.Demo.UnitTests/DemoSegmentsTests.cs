using ProfileGrid.Segments;

namespace ProfileGrid.Demo.UnitTests;

public sealed class DemoSegmentsTests
{
    [Fact]
    public void Every_demo_segment_compiles_and_refers_only_to_demo_segments_defined_before_it()
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var segment in LumaSegments.All)
        {
            var compiled = SegmentCompiler.Compile(segment.Expression);
            var missing = compiled.Dependencies.SegmentIds.Except(defined).ToList();
            Assert.True(missing.Count == 0, $"{segment.Id} refers to {string.Join(", ", missing)}, not defined before it");
            Assert.True(defined.Add(segment.Id), $"{segment.Id} is defined twice");
            Assert.False(string.IsNullOrWhiteSpace(segment.Name));
        }
    }

    [Fact]
    public void Demo_segments_read_event_types_and_attributes_the_demo_data_has()
    {
        var data = LumaDemo.Generate(DateTimeOffset.Parse("2026-11-23T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var types = data.Events.Select(e => e.Type ?? "").ToHashSet(StringComparer.Ordinal);
        foreach (var segment in LumaSegments.All)
        {
            var dependencies = SegmentCompiler.Compile(segment.Expression).Dependencies;
            var unknown = dependencies.EventTypes.Except(types).ToList();
            Assert.True(unknown.Count == 0, $"{segment.Id} reads event types the demo never sends: {string.Join(", ", unknown)}");
        }

        // The lapsed-yoga segment filters product views on their category: some views are of yoga gear.
        Assert.Contains(data.Events, e => e.Type == "commerce.productView" && e.AttributesJson?.Contains("\"category\":\"yoga\"", StringComparison.Ordinal) == true);
    }
}
