namespace ProfileGrid.Segments;

/// <summary>
/// A timeline's events by type, for <see cref="ISegmentSubject.EventsOfType"/>: the events of a type are picked out
/// (and projected into <see cref="SegmentEvent"/>s) the first time a segment asks for that type after
/// <see cref="Reset"/>, and kept until the next reset, so one evaluation pass over many segments walks the timeline
/// once per type it reads rather than once per segment, and projects only the events of those types.
/// Not thread-safe: one index serves one pass at a time (a thread's, say).
/// </summary>
/// <typeparam name="TSource">The caller's own event representation.</typeparam>
public sealed class SegmentEventTypeIndex<TSource>
{
    /// <summary>Types kept at most; past this (types are open-ended) the kept lists are dropped and picked out again.</summary>
    public const int MaxTypes = 64;

    /// <summary>A list grown past this many events (a very long timeline) is not kept for the next timeline.</summary>
    private const int KeptListCapacity = 4_096;

    private readonly Dictionary<string, TypeEvents> _byType = new(StringComparer.Ordinal);
    private readonly Func<TSource, string> _typeOf;
    private IReadOnlyList<TSource> _events = Array.Empty<TSource>();
    private Func<TSource, SegmentEvent> _project = static _ => default;
    private long _generation;

    /// <param name="typeOf">An event's type; must not allocate.</param>
    public SegmentEventTypeIndex(Func<TSource, string> typeOf)
    {
        ArgumentNullException.ThrowIfNull(typeOf);
        _typeOf = typeOf;
    }

    /// <summary>
    /// Points the index at <paramref name="events"/>, projected by <paramref name="project"/> as they are picked out;
    /// every type is picked out again on first use.
    /// </summary>
    public void Reset(IReadOnlyList<TSource> events, Func<TSource, SegmentEvent> project)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(project);
        _events = events;
        _project = project;
        _generation++;
        if (_byType.Count > MaxTypes)
        {
            _byType.Clear();
        }
    }

    /// <summary>The events of <paramref name="type"/>, in timeline order.</summary>
    public IReadOnlyList<SegmentEvent> Of(string type) => PickedOut(type).Events;

    /// <summary>Where each event of <see cref="Of"/> stands in the timeline.</summary>
    public IReadOnlyList<int> PositionsOf(string type) => PickedOut(type).Positions;

    private TypeEvents PickedOut(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (!_byType.TryGetValue(type, out var kept))
        {
            _byType[type] = kept = new TypeEvents();
        }

        if (kept.Generation != _generation)
        {
            if (kept.Events.Capacity > KeptListCapacity)
            {
                kept.Events = [];
                kept.Positions = [];
            }

            kept.Events.Clear();
            kept.Positions.Clear();
            if (_events is List<TSource> list)
            {
                PickOut(CollectionsMarshal.AsSpan(list), type, kept);
            }
            else
            {
                for (var i = 0; i < _events.Count; i++)
                {
                    var e = _events[i];
                    if (string.Equals(_typeOf(e), type, StringComparison.Ordinal))
                    {
                        kept.Events.Add(_project(e));
                        kept.Positions.Add(i);
                    }
                }
            }

            kept.Generation = _generation;
        }

        return kept;
    }

    private void PickOut(ReadOnlySpan<TSource> events, string type, TypeEvents into)
    {
        for (var i = 0; i < events.Length; i++)
        {
            if (string.Equals(_typeOf(events[i]), type, StringComparison.Ordinal))
            {
                into.Events.Add(_project(events[i]));
                into.Positions.Add(i);
            }
        }
    }

    private sealed class TypeEvents
    {
        public List<SegmentEvent> Events { get; set; } = [];

        public List<int> Positions { get; set; } = [];

        public long Generation { get; set; } = -1;
    }
}
