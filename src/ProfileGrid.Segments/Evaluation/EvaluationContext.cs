namespace ProfileGrid.Segments.Evaluation;

/// <summary>
/// Everything one evaluation needs, on the stack. Events held in an array or a <see cref="List{T}"/> are walked
/// as a span; any other list through its indexer.
/// </summary>
internal readonly ref struct EvaluationContext
{
    private readonly ReadOnlySpan<SegmentEvent> _span;
    private readonly IReadOnlyList<SegmentEvent>? _list;

    public EvaluationContext(ISegmentSubject subject, DateTimeOffset now)
    {
        Subject = subject;
        NowTicks = now.UtcTicks;
        var events = subject.Events ?? Array.Empty<SegmentEvent>();
        switch (events)
        {
            case SegmentEvent[] array:
                _span = array;
                break;
            case List<SegmentEvent> list:
                _span = CollectionsMarshal.AsSpan(list);
                break;
            default:
                _list = events;
                break;
        }

        EventCount = events.Count;
    }

    public ISegmentSubject Subject { get; }

    public long NowTicks { get; }

    public int EventCount { get; }

    public SegmentEvent EventAt(int index) => _list is null ? _span[index] : _list[index];
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
