namespace ProfileGrid.Segments.Evaluation;

/// <summary>
/// Everything one evaluation needs, on the stack. Events held in an array or a <see cref="List{T}"/> are walked
/// as a span; any other list through its indexer.
/// </summary>
internal readonly ref struct EvaluationContext
{
    public EvaluationContext(ISegmentSubject subject, DateTimeOffset now)
    {
        Subject = subject;
        NowTicks = now.UtcTicks;
    }

    public ISegmentSubject Subject { get; }

    public long NowTicks { get; }

    /// <summary>Every event of the profile; asked of the subject only by the nodes that need them all.</summary>
    public EventView Events => EventView.Of(Subject.Events ?? Array.Empty<SegmentEvent>());

    /// <summary>
    /// The walk over the events <paramref name="set"/> can include: those of its one type, tested without its type
    /// condition, when its filter pins one and the subject keeps its events by type; else all of them, tested with
    /// its whole filter.
    /// </summary>
    public EventSetWalk Walk(EventSetNode set)
    {
        var windowStart = set.WindowStart(this);
        return set.OnlyType is { } type && Subject.EventsOfType(type) is { } ofType
            ? new EventSetWalk(EventView.Of(ofType), set.FilterWithinType, windowStart)
            : new EventSetWalk(Events, set.Filter, windowStart);
    }
}

/// <summary>The events a set may include and the test each must pass: within the window, and the filter.</summary>
internal readonly ref struct EventSetWalk(EventView events, EventConditionNode? filter, long windowStart)
{
    private readonly EventView _events = events;

    public int Count => _events.Count;

    public SegmentEvent this[int index] => _events[index];

    public bool Includes(in SegmentEvent e) => e.Timestamp.UtcTicks > windowStart && (filter is null || filter.Matches(e));
}

/// <summary>A list of events to walk: as a span when it is an array or a <see cref="List{T}"/>.</summary>
internal readonly ref struct EventView
{
    private readonly ReadOnlySpan<SegmentEvent> _span;
    private readonly IReadOnlyList<SegmentEvent>? _list;

    private EventView(ReadOnlySpan<SegmentEvent> span, IReadOnlyList<SegmentEvent>? list, int count)
    {
        _span = span;
        _list = list;
        Count = count;
    }

    public int Count { get; }

    public SegmentEvent this[int index] => _list is null ? _span[index] : _list[index];

    public static EventView Of(IReadOnlyList<SegmentEvent> events) => events switch
    {
        SegmentEvent[] array => new EventView(array, null, array.Length),
        List<SegmentEvent> list => new EventView(CollectionsMarshal.AsSpan(list), null, list.Count),
        _ => new EventView(default, events, events.Count),
    };
}

/// <summary>The value of a condition together with the first instant (UTC ticks) it may change with no new data.</summary>
internal readonly record struct TimedResult(bool Value, long NextChangeTicks);

internal static class Timing
{
    /// <summary>"No change is scheduled": larger than any instant.</summary>
    public const long Never = long.MaxValue;

    public static DateTimeOffset? ToInstant(long ticks) =>
        ticks == Never || ticks > DateTimeOffset.MaxValue.UtcTicks ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
}
