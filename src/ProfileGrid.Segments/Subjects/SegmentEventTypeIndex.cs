namespace ProfileGrid.Segments;

/// <summary>
/// A timeline's events by type, for <see cref="ISegmentSubject.EventsOfType"/>: the events of a type are picked out
/// the first time a segment asks for that type after <see cref="Reset"/>, and kept until the next reset, so one
/// evaluation pass over many segments walks the whole timeline once per type it reads rather than once per segment.
/// Not thread-safe: one index serves one pass at a time (a thread's, say).
/// </summary>
public sealed class SegmentEventTypeIndex
{
    /// <summary>Types kept at most; past this (types are open-ended) the kept lists are dropped and picked out again.</summary>
    public const int MaxTypes = 64;

    /// <summary>A list grown past this many events (a very long timeline) is not kept for the next timeline.</summary>
    private const int KeptListCapacity = 4_096;

    private readonly Dictionary<string, TypeEvents> _byType = new(StringComparer.Ordinal);
    private IReadOnlyList<SegmentEvent> _events = Array.Empty<SegmentEvent>();
    private long _generation;

    /// <summary>Points the index at <paramref name="events"/>; every type is picked out again on first use.</summary>
    public void Reset(IReadOnlyList<SegmentEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        _events = events;
        _generation++;
        if (_byType.Count > MaxTypes)
        {
            _byType.Clear();
        }
    }

    /// <summary>The events of <paramref name="type"/>, in timeline order.</summary>
    public IReadOnlyList<SegmentEvent> Of(string type)
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
            }

            kept.Events.Clear();
            switch (_events)
            {
                case List<SegmentEvent> list:
                    PickOut(CollectionsMarshal.AsSpan(list), type, kept.Events);
                    break;
                case SegmentEvent[] array:
                    PickOut(array, type, kept.Events);
                    break;
                default:
                    foreach (var e in _events)
                    {
                        if (string.Equals(e.Type, type, StringComparison.Ordinal))
                        {
                            kept.Events.Add(e);
                        }
                    }

                    break;
            }

            kept.Generation = _generation;
        }

        return kept.Events;
    }

    private static void PickOut(ReadOnlySpan<SegmentEvent> events, string type, List<SegmentEvent> into)
    {
        foreach (ref readonly var e in events)
        {
            if (string.Equals(e.Type, type, StringComparison.Ordinal))
            {
                into.Add(e);
            }
        }
    }

    private sealed class TypeEvents
    {
        public List<SegmentEvent> Events { get; set; } = [];

        public long Generation { get; set; } = -1;
    }
}
