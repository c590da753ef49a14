using System.Collections.Concurrent;
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
        var positions = new Dictionary<string, int>(Ordered.Length, StringComparer.Ordinal);
        for (var i = 0; i < Ordered.Length; i++) positions[Ordered[i].Id] = i;
        var dependents = Ordered.Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < Ordered.Length; i++)
        {
            foreach (var referenced in Ordered[i].Segment.Dependencies.SegmentIds)
                if (positions.TryGetValue(referenced, out var at)) dependents[at].Add(i);
        }
        Dependents = [.. dependents.Select(d => d.ToArray())];
    }

    /// <summary>Changes whose affected segments are kept; more kinds (event types are open-ended) are worked out each time.</summary>
    public const int MaxKeptChanges = 1_024;

    private readonly ConcurrentDictionary<(ProfileChangeKind Kind, string? EventType, StatsChange Stats, bool IdentitiesChanged), bool[]> _affected = new();

    public long Version { get; }
    public SegmentCatalog Catalog { get; }
    public FrozenDictionary<string, SegmentDefinition> Definitions { get; }

    /// <summary>The segments in <see cref="SegmentCatalog.EvaluationOrder"/>, each with its compiled form and revision (no lookups per event).</summary>
    public ImmutableArray<OrderedSegment> Ordered { get; }

    /// <summary>
    /// For each segment of <see cref="Ordered"/>, the positions of the segments that reference it with <c>inSegment</c>
    /// (all later in the order): they are evaluated again when its membership flips.
    /// </summary>
    public ImmutableArray<int[]> Dependents { get; }

    /// <summary>For each segment of <see cref="Ordered"/>, whether <paramref name="change"/> can affect it (<see cref="ProfileChange.Affects"/>); do not modify.</summary>
    public bool[] Affected(ProfileChange change, bool identitiesChanged)
    {
        var key = (change.Kind, change.EventType, change.Stats, identitiesChanged);
        if (_affected.TryGetValue(key, out var kept)) return kept;
        var affected = new bool[Ordered.Length];
        for (var i = 0; i < affected.Length; i++) affected[i] = change.Affects(Ordered[i].Segment.Dependencies, identitiesChanged);
        if (_affected.Count < MaxKeptChanges) _affected.TryAdd(key, affected);
        return affected;
    }

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
