namespace ProfileGrid.Segments;

/// <summary>
/// A consistent set of segments: every <c>inSegment</c> reference points at a segment of the set and no
/// segment depends on itself, directly or through others. Gives the order to evaluate them in, so that a
/// segment always sees up-to-date memberships of the segments it references. Immutable: changes return a new
/// catalog or throw, leaving the current one in force.
/// </summary>
public sealed class SegmentCatalog
{
    private readonly FrozenDictionary<string, CompiledSegment> _segments;
    private readonly FrozenDictionary<string, string[]> _dependents;
    private readonly FrozenDictionary<string, int> _rank;

    private SegmentCatalog(Dictionary<string, CompiledSegment> segments, List<string> order)
    {
        _segments = segments.ToFrozenDictionary(StringComparer.Ordinal);
        EvaluationOrder = order;
        _rank = order.Select((id, index) => (id, index)).ToFrozenDictionary(p => p.id, p => p.index, StringComparer.Ordinal);
        _dependents = order.ToFrozenDictionary(
            id => id,
            id => order.Where(other => segments[other].Dependencies.SegmentIds.Contains(id)).ToArray(),
            StringComparer.Ordinal);
    }

    /// <summary>A catalog with no segments.</summary>
    public static SegmentCatalog Empty { get; } = new([], []);

    /// <summary>Segment ids, each after every segment it references (ties in ordinal id order, so the order is stable).</summary>
    public IReadOnlyList<string> EvaluationOrder { get; }

    /// <summary>Number of segments.</summary>
    public int Count => _segments.Count;

    /// <summary>The compiled segment with this id; throws <see cref="KeyNotFoundException"/> when unknown.</summary>
    public CompiledSegment this[string segmentId] => _segments[segmentId];

    /// <summary>Builds a catalog, or throws <see cref="SegmentDefinitionException"/> naming every unknown reference and cycle.</summary>
    public static SegmentCatalog Create(IEnumerable<KeyValuePair<string, CompiledSegment>> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var byId = new Dictionary<string, CompiledSegment>(StringComparer.Ordinal);
        foreach (var (id, segment) in segments)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(id, nameof(segments));
            ArgumentNullException.ThrowIfNull(segment, nameof(segments));
            if (!byId.TryAdd(id, segment))
            {
                throw new ArgumentException($"Segment id '{id}' appears twice.", nameof(segments));
            }
        }

        var errors = new List<SegmentError>();
        var ids = byId.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var id in ids)
        {
            foreach (var reference in byId[id].References.Where(r => !byId.ContainsKey(r.SegmentId)))
            {
                errors.Add(new SegmentError(
                    reference.Line,
                    reference.Column,
                    $"found inSegment(\"{reference.SegmentId}\"), expected the id of a defined segment (there is no segment '{reference.SegmentId}')")
                {
                    SegmentId = id,
                });
            }
        }

        errors.AddRange(FindCycles(byId, ids));
        if (errors.Count > 0)
        {
            throw new SegmentDefinitionException(errors);
        }

        return new SegmentCatalog(byId, TopologicalOrder(byId, ids));
    }

    /// <summary>Adds or replaces one segment, checking it against the others.</summary>
    public SegmentCatalog With(string segmentId, CompiledSegment segment)
    {
        var segments = new Dictionary<string, CompiledSegment>(_segments, StringComparer.Ordinal) { [segmentId] = segment };
        return Create(segments);
    }

    /// <summary>Removes one segment; throws when another segment still references it.</summary>
    public SegmentCatalog Without(string segmentId)
    {
        var segments = new Dictionary<string, CompiledSegment>(_segments, StringComparer.Ordinal);
        segments.Remove(segmentId);
        return Create(segments);
    }

    /// <summary>Whether a segment with this id exists.</summary>
    public bool Contains(string segmentId) => _segments.ContainsKey(segmentId);

    /// <summary>Looks up a segment by id.</summary>
    public bool TryGetSegment(string segmentId, [NotNullWhen(true)] out CompiledSegment? segment) =>
        _segments.TryGetValue(segmentId, out segment);

    /// <summary>
    /// The segments whose result may change when membership of <paramref name="segmentId"/> changes: those that
    /// reference it, directly or through others, in evaluation order.
    /// </summary>
    public IReadOnlyList<string> GetDependents(string segmentId)
    {
        if (!_dependents.ContainsKey(segmentId))
        {
            return [];
        }

        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(segmentId);
        while (pending.TryPop(out var current))
        {
            foreach (var dependent in _dependents[current])
            {
                if (found.Add(dependent))
                {
                    pending.Push(dependent);
                }
            }
        }

        return [.. found.OrderBy(id => _rank[id])];
    }

    private static List<SegmentError> FindCycles(Dictionary<string, CompiledSegment> segments, List<string> ids)
    {
        var errors = new List<SegmentError>();
        var state = new Dictionary<string, bool>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var id in ids)
        {
            Visit(id);
        }

        return errors;

        // Depth-first search; 'false' = on the current path, 'true' = done. A reference to a node on the path closes a cycle.
        void Visit(string id)
        {
            if (state.ContainsKey(id))
            {
                return;
            }

            state[id] = false;
            path.Add(id);
            foreach (var reference in segments[id].References.Where(r => segments.ContainsKey(r.SegmentId)).DistinctBy(r => r.SegmentId))
            {
                if (state.TryGetValue(reference.SegmentId, out var done) && !done)
                {
                    var cycle = path[path.IndexOf(reference.SegmentId)..].Append(reference.SegmentId);
                    errors.Add(new SegmentError(
                        reference.Line,
                        reference.Column,
                        $"found a cycle of inSegment references ({string.Join(" -> ", cycle)}), expected segments that do not depend on themselves")
                    {
                        SegmentId = id,
                    });
                }
                else
                {
                    Visit(reference.SegmentId);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[id] = true;
        }
    }

    private static List<string> TopologicalOrder(Dictionary<string, CompiledSegment> segments, List<string> ids)
    {
        var remaining = ids.ToDictionary(
            id => id,
            id => segments[id].Dependencies.SegmentIds.Count,
            StringComparer.Ordinal);
        var ready = new SortedSet<string>(ids.Where(id => remaining[id] == 0), StringComparer.Ordinal);
        var order = new List<string>(ids.Count);
        while (ready.Min is { } next)
        {
            ready.Remove(next);
            order.Add(next);
            foreach (var id in ids.Where(id => segments[id].Dependencies.SegmentIds.Contains(next)))
            {
                if (--remaining[id] == 0)
                {
                    ready.Add(id);
                }
            }
        }

        return order;
    }
}
