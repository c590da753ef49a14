namespace ProfileGrid.Segments.Evaluation;

/// <summary>A value read from one event (a field, an attribute, or a literal).</summary>
internal abstract class EventValueNode(SegmentType type)
{
    public SegmentType Type { get; } = type;

    /// <summary>Rough relative cost of reading the value, used to test cheap conditions first.</summary>
    public virtual int Cost => 1;

    public abstract SegmentValue Evaluate(in SegmentEvent e);
}

internal sealed class EventLiteralValue(SegmentValue value, SegmentType type) : EventValueNode(type)
{
    public SegmentValue Value { get; } = value;

    public override int Cost => 0;

    public override SegmentValue Evaluate(in SegmentEvent e) => Value;
}

internal sealed class EventTextFieldValue(EventField field) : EventValueNode(SegmentType.String)
{
    public EventField Field { get; } = field;

    public override SegmentValue Evaluate(in SegmentEvent e) => SegmentValue.FromString(Read(Field, e));

    public static string? Read(EventField field, in SegmentEvent e) => field switch
    {
        EventField.Type => e.Type,
        EventField.Channel => e.Channel,
        _ => e.Campaign,
    };
}

internal sealed class EventRevenueValue() : EventValueNode(SegmentType.Number)
{
    public override SegmentValue Evaluate(in SegmentEvent e) => SegmentValue.FromNumber(e.Revenue);
}

internal sealed class EventTimestampValue() : EventValueNode(SegmentType.Date)
{
    public override SegmentValue Evaluate(in SegmentEvent e) => SegmentValue.FromDateTicks(e.Timestamp.UtcTicks);
}

internal sealed class EventAttributeValue(JsonPath path) : EventValueNode(SegmentType.Dynamic)
{
    public override int Cost => 8 * path.Length;

    public override SegmentValue Evaluate(in SegmentEvent e) => SegmentValue.FromJson(path.Resolve(e.Attributes));
}

/// <summary>A predicate over one event (the part after <c>events where</c>).</summary>
internal abstract class EventConditionNode
{
    /// <summary>Rough relative cost; <c>and</c>/<c>or</c> test cheap operands first since operands have no side effects.</summary>
    public abstract int Cost { get; }

    public abstract bool Matches(in SegmentEvent e);

    public static EventConditionNode[] CheapestFirst(EventConditionNode[] operands) =>
        [.. operands.OrderBy(operand => operand.Cost)];
}

internal sealed class EventAllOf(EventConditionNode[] operands) : EventConditionNode
{
    private readonly EventConditionNode[] _operands = CheapestFirst(operands);

    /// <summary>The operands as written.</summary>
    public IReadOnlyList<EventConditionNode> Operands { get; } = operands;

    public override int Cost { get; } = operands.Sum(operand => operand.Cost);

    public override bool Matches(in SegmentEvent e)
    {
        foreach (var operand in _operands)
        {
            if (!operand.Matches(e))
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class EventAnyOf(EventConditionNode[] operands) : EventConditionNode
{
    private readonly EventConditionNode[] _operands = CheapestFirst(operands);

    public override int Cost { get; } = operands.Sum(operand => operand.Cost);

    public override bool Matches(in SegmentEvent e)
    {
        foreach (var operand in _operands)
        {
            if (operand.Matches(e))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class EventNot(EventConditionNode operand) : EventConditionNode
{
    public override int Cost => operand.Cost;

    public override bool Matches(in SegmentEvent e) => !operand.Matches(e);
}

internal sealed class EventComparison(EventValueNode left, ComparisonOperator op, EventValueNode right) : EventConditionNode
{
    public override int Cost => 1 + left.Cost + right.Cost;

    public override bool Matches(in SegmentEvent e) => ValueComparer.Compare(left.Evaluate(e), op, right.Evaluate(e));
}

internal sealed class EventInList(EventValueNode left, SegmentValue[] items) : EventConditionNode
{
    public override int Cost => left.Cost + items.Length;

    public override bool Matches(in SegmentEvent e) => ValueComparer.IsIn(left.Evaluate(e), items);
}

internal sealed class EventBooleanValue(EventValueNode value) : EventConditionNode
{
    public override int Cost => value.Cost;

    public override bool Matches(in SegmentEvent e) => value.Evaluate(e).IsTrue;
}

internal sealed class EventFieldExists(EventValueNode value) : EventConditionNode
{
    public override int Cost => value.Cost;

    public override bool Matches(in SegmentEvent e) => value.Evaluate(e).Kind != ValueKind.Missing;
}

/// <summary>The hot case <c>type = "x"</c> (or channel/campaign, with <c>=</c> or <c>!=</c>): one ordinal string compare.</summary>
internal sealed class EventTextEquals(EventField field, string value, bool negate) : EventConditionNode
{
    /// <summary>Whether this is exactly <c>type = "<paramref name="type"/>"</c>.</summary>
    public bool IsTypeEqualTo(string type) => field == EventField.Type && !negate && string.Equals(value, type, StringComparison.Ordinal);

    public override int Cost => 1;

    public override bool Matches(in SegmentEvent e)
    {
        var actual = EventTextFieldValue.Read(field, e);
        return actual is not null && string.Equals(actual, value, StringComparison.Ordinal) != negate;
    }
}

/// <summary>The hot case <c>type in ["a", "b"]</c>.</summary>
internal sealed class EventTextIn(EventField field, string[] values) : EventConditionNode
{
    private readonly FrozenSet<string>? _set = values.Length > 8 ? values.ToFrozenSet(StringComparer.Ordinal) : null;

    public override int Cost => _set is null ? 1 + (values.Length / 2) : 3;

    public override bool Matches(in SegmentEvent e)
    {
        var actual = EventTextFieldValue.Read(field, e);
        if (actual is null)
        {
            return false;
        }

        if (_set is not null)
        {
            return _set.Contains(actual);
        }

        foreach (var value in values)
        {
            if (string.Equals(actual, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// <c>events [where ...] [within D]</c>: which of the profile's events take part. The window keeps events with
/// <c>timestamp &gt; now - D</c>; it has no upper bound, so a window only ever loses events as time passes.
/// </summary>
internal sealed class EventSetNode(EventConditionNode? filter, long windowTicks, string? onlyType = null, EventConditionNode? filterWithinType = null)
{
    /// <summary>The one event type the filter can match, or null; the set then needs only that type's events.</summary>
    public string? OnlyType { get; } = onlyType;

    /// <summary>Which events of any type take part (null: all).</summary>
    public EventConditionNode? Filter { get; } = filter;

    /// <summary>Which events of <see cref="OnlyType"/> take part: the filter without its <c>type = "..."</c> (null: all).</summary>
    public EventConditionNode? FilterWithinType { get; } = filterWithinType;

    /// <summary>Cost of looking at one event.</summary>
    public int CostPerEvent => 1 + (Filter?.Cost ?? 0);

    public long WindowTicks { get; } = windowTicks;

    public bool HasWindow => WindowTicks > 0;

    public long WindowStart(in EvaluationContext context) => HasWindow ? context.NowTicks - WindowTicks : long.MinValue;
}
