using System.Collections.Frozen;

namespace ProfileGrid.Segments;

/// <summary>One catalogue version, compiled: what profiles evaluate against.</summary>
public sealed class LoadedCatalog
{
    public static LoadedCatalog Empty { get; } = new(0, SegmentCatalog.Empty, FrozenDictionary<string, SegmentDefinition>.Empty);

    public LoadedCatalog(long version, SegmentCatalog catalog, FrozenDictionary<string, SegmentDefinition> definitions)
    {
        Version = version;
        Catalog = catalog;
        Definitions = definitions;
        Ordered = [.. catalog.EvaluationOrder.Select(id => new OrderedSegment(id, catalog[id], definitions[id].Revision))];
    }

    public long Version { get; }
    public SegmentCatalog Catalog { get; }
    public FrozenDictionary<string, SegmentDefinition> Definitions { get; }

    /// <summary>The segments in <see cref="SegmentCatalog.EvaluationOrder"/>, each with its compiled form and revision (no lookups per event).</summary>
    public ImmutableArray<OrderedSegment> Ordered { get; }

    /// <summary>Compiles a snapshot, reusing the compiled segments of <paramref name="previous"/> whose revision did not change.</summary>
    public static LoadedCatalog From(SegmentCatalogSnapshot snapshot, LoadedCatalog previous)
    {
        // Definitions were checked by the registry against the limits in force then; compile without limits so a
        // lowered limit never makes a stored segment unusable.
        var unlimited = new SegmentCompileOptions { MaxExpressionLength = int.MaxValue };
        var compiled = new List<KeyValuePair<string, CompiledSegment>>(snapshot.Segments.Length);
        foreach (var definition in snapshot.Segments)
        {
            var segment = previous.Definitions.TryGetValue(definition.Id, out var old) && old.Revision == definition.Revision
                ? previous.Catalog[definition.Id]
                : SegmentCompiler.Compile(definition.Expression, unlimited);
            compiled.Add(new(definition.Id, segment));
        }
        return new LoadedCatalog(
            snapshot.Version,
            SegmentCatalog.Create(compiled),
            snapshot.Segments.ToFrozenDictionary(d => d.Id, StringComparer.Ordinal));
    }
}

/// <summary>One segment of a <see cref="LoadedCatalog"/>, in evaluation order.</summary>
public sealed record OrderedSegment(string Id, CompiledSegment Segment, long Revision);
