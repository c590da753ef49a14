namespace ProfileGrid.Segments.Evaluation;

/// <summary>A compiled condition over a profile. Evaluate is the hot path; the timed and explain walks are not.</summary>
internal abstract class ConditionNode
{
    /// <summary>
    /// Rough relative cost; <c>and</c>/<c>or</c> evaluate cheap operands first (operands have no side effects),
    /// while explanations keep source order.
    /// </summary>
    public abstract int Cost { get; }

    public abstract bool Evaluate(in EvaluationContext context);

    /// <summary>The value and the first instant it may change with no new data; never short-circuits.</summary>
    public abstract TimedResult EvaluateTimed(in EvaluationContext context);

    /// <summary>Appends every leaf condition's outcome in source order.</summary>
    public abstract void Explain(in EvaluationContext context, List<ConditionExplanation> into, bool negated);
}

internal sealed class AllOfCondition(ConditionNode[] operands) : ConditionNode
{
    private readonly ConditionNode[] _cheapestFirst = [.. operands.OrderBy(operand => operand.Cost)];

    public override int Cost { get; } = operands.Sum(operand => operand.Cost);

    public override bool Evaluate(in EvaluationContext context)
    {
        foreach (var operand in _cheapestFirst)
        {
            if (!operand.Evaluate(context))
            {
                return false;
            }
        }

        return true;
    }

    /// <remarks>An operand that is false for good keeps the whole conjunction false for good.</remarks>
    public override TimedResult EvaluateTimed(in EvaluationContext context)
    {
        var value = true;
        var next = Timing.Never;
        var falseForGood = false;
        foreach (var operand in operands)
        {
            var result = operand.EvaluateTimed(context);
            if (!result.Value)
            {
                value = false;
                falseForGood |= result.NextChangeTicks == Timing.Never;
            }

            next = Math.Min(next, result.NextChangeTicks);
        }

        return new TimedResult(value, falseForGood ? Timing.Never : next);
    }

    public override void Explain(in EvaluationContext context, List<ConditionExplanation> into, bool negated)
    {
        foreach (var operand in operands)
        {
            operand.Explain(context, into, negated);
        }
    }
}

internal sealed class AnyOfCondition(ConditionNode[] operands) : ConditionNode
{
    private readonly ConditionNode[] _cheapestFirst = [.. operands.OrderBy(operand => operand.Cost)];

    public override int Cost { get; } = operands.Sum(operand => operand.Cost);

    public override bool Evaluate(in EvaluationContext context)
    {
        foreach (var operand in _cheapestFirst)
        {
            if (operand.Evaluate(context))
            {
                return true;
            }
        }

        return false;
    }

    /// <remarks>An operand that is true for good keeps the whole disjunction true for good.</remarks>
    public override TimedResult EvaluateTimed(in EvaluationContext context)
    {
        var value = false;
        var next = Timing.Never;
        var trueForGood = false;
        foreach (var operand in operands)
        {
            var result = operand.EvaluateTimed(context);
            if (result.Value)
            {
                value = true;
                trueForGood |= result.NextChangeTicks == Timing.Never;
            }

            next = Math.Min(next, result.NextChangeTicks);
        }

        return new TimedResult(value, trueForGood ? Timing.Never : next);
    }

    public override void Explain(in EvaluationContext context, List<ConditionExplanation> into, bool negated)
    {
        foreach (var operand in operands)
        {
            operand.Explain(context, into, negated);
        }
    }
}

internal sealed class NotCondition(ConditionNode operand) : ConditionNode
{
    public override int Cost => operand.Cost;

    public override bool Evaluate(in EvaluationContext context) => !operand.Evaluate(context);

    public override TimedResult EvaluateTimed(in EvaluationContext context)
    {
        var result = operand.EvaluateTimed(context);
        return result with { Value = !result.Value };
    }

    public override void Explain(in EvaluationContext context, List<ConditionExplanation> into, bool negated) =>
        operand.Explain(context, into, !negated);
}

internal static class ConditionCosts
{
    /// <summary>Weight of a walk over all events relative to reading one field.</summary>
    public const int EventScan = 20;
}

/// <summary>Where a leaf condition was written, for explanations.</summary>
internal sealed record LeafInfo(string Source, int Line, int Column);

/// <summary>A condition that explanations report on its own.</summary>
internal abstract class LeafCondition(LeafInfo info) : ConditionNode
{
    public LeafInfo Info { get; } = info;

    public override TimedResult EvaluateTimed(in EvaluationContext context) =>
        new(Evaluate(context), NextChangeTicks(context));

    protected virtual long NextChangeTicks(in EvaluationContext context) => Timing.Never;

    public override void Explain(in EvaluationContext context, List<ConditionExplanation> into, bool negated) =>
        into.Add(new ConditionExplanation(Info.Source, Info.Line, Info.Column, DescribeValue(context), Evaluate(context), negated));

    protected abstract string DescribeValue(in EvaluationContext context);
}

internal sealed class ComparisonCondition(LeafInfo info, ValueNode left, ComparisonOperator op, ValueNode right) : LeafCondition(info)
{
    public override int Cost => 1 + left.Cost + right.Cost;

    public override bool Evaluate(in EvaluationContext context) =>
        ValueComparer.Compare(left.Evaluate(context), op, right.Evaluate(context));

    public override TimedResult EvaluateTimed(in EvaluationContext context)
    {
        var leftValue = left.EvaluateTimed(context, out var leftNext);
        var rightValue = right.EvaluateTimed(context, out var rightNext);
        return new TimedResult(ValueComparer.Compare(leftValue, op, rightValue), Math.Min(leftNext, rightNext));
    }

    protected override string DescribeValue(in EvaluationContext context)
    {
        if (right.IsLiteral)
        {
            return left.Evaluate(context).Display();
        }

        return left.IsLiteral
            ? right.Evaluate(context).Display()
            : $"{left.Evaluate(context).Display()} vs {right.Evaluate(context).Display()}";
    }
}

internal sealed class InListCondition(LeafInfo info, ValueNode left, SegmentValue[] items) : LeafCondition(info)
{
    public override int Cost => left.Cost + items.Length;

    public override bool Evaluate(in EvaluationContext context) => ValueComparer.IsIn(left.Evaluate(context), items);

    public override TimedResult EvaluateTimed(in EvaluationContext context)
    {
        var value = left.EvaluateTimed(context, out var next);
        return new TimedResult(ValueComparer.IsIn(value, items), next);
    }

    protected override string DescribeValue(in EvaluationContext context) => left.Evaluate(context).Display();
}

/// <summary>A value used as a condition: true only when it is the boolean <c>true</c>.</summary>
internal sealed class BooleanValueCondition(LeafInfo info, ValueNode value) : LeafCondition(info)
{
    public override int Cost => value.Cost;

    public override bool Evaluate(in EvaluationContext context) => value.Evaluate(context).IsTrue;

    protected override string DescribeValue(in EvaluationContext context) => value.Evaluate(context).Display();
}

/// <summary><c>exists(traits.x)</c>: the field is present and not JSON null.</summary>
internal sealed class FieldExistsCondition(LeafInfo info, ValueNode value) : LeafCondition(info)
{
    public override int Cost => value.Cost;

    public override bool Evaluate(in EvaluationContext context) => value.Evaluate(context).Kind != ValueKind.Missing;

    protected override string DescribeValue(in EvaluationContext context) => value.Evaluate(context).Display();
}

internal sealed class HasIdentityCondition(LeafInfo info, string identityNamespace) : LeafCondition(info)
{
    public override int Cost => 2;

    public override bool Evaluate(in EvaluationContext context) => context.Subject.HasIdentityNamespace(identityNamespace);

    protected override string DescribeValue(in EvaluationContext context) => Evaluate(context) ? "true" : "false";
}

/// <summary>
/// <c>inSegment("id")</c>. Its own timing is not tracked here: when the referenced segment changes, the catalog's
/// dependents are re-evaluated (<see cref="SegmentCatalog.GetDependents"/>).
/// </summary>
internal sealed class InSegmentCondition(LeafInfo info, string segmentId) : LeafCondition(info)
{
    public override int Cost => 2;

    public override bool Evaluate(in EvaluationContext context) => context.Subject.IsInSegment(segmentId);

    protected override string DescribeValue(in EvaluationContext context) => Evaluate(context) ? "true" : "false";
}

internal sealed class ExistsEventsCondition(LeafInfo info, EventSetNode events) : LeafCondition(info)
{
    public override int Cost => ConditionCosts.EventScan * events.CostPerEvent;

    /// <remarks>Newest first: event lists are usually chronological and recent events are the likely matches.</remarks>
    public override bool Evaluate(in EvaluationContext context)
    {
        var candidates = context.Walk(events);
        for (var i = candidates.Count - 1; i >= 0; i--)
        {
            if (candidates.Includes(candidates[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <remarks>True until the newest matching event leaves the window; once false it stays false. One walk for both.</remarks>
    public override TimedResult EvaluateTimed(in EvaluationContext context)
    {
        var candidates = context.Walk(events);
        var newest = long.MinValue;
        for (var i = 0; i < candidates.Count; i++)
        {
            var e = candidates[i];
            if (candidates.Includes(e))
            {
                newest = Math.Max(newest, e.Timestamp.UtcTicks);
            }
        }

        var exists = newest != long.MinValue;
        return new TimedResult(exists, exists && events.HasWindow ? newest + events.WindowTicks : Timing.Never);
    }

    protected override string DescribeValue(in EvaluationContext context)
    {
        var candidates = context.Walk(events);
        var count = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.Includes(candidates[i]))
            {
                count++;
            }
        }

        return count == 1 ? "1 matching event" : $"{count} matching events";
    }
}

/// <summary>
/// <c>sequence(A, B, ...) within D</c>: distinct events matching each step in order (by timestamp, ties by list
/// position), the first and last at most D apart, and the last within D of now. One pass over the events in
/// chronological order keeps, per step, the latest start of a partial match, which dominates any earlier start.
/// </summary>
internal sealed class SequenceCondition : LeafCondition
{
    private const long NoStart = long.MinValue;
    private const int StackSteps = 32;

    private readonly EventConditionNode?[] _steps;
    private readonly long _windowTicks;
    // When every step is pinned to one type: the distinct types, each step's index among them, and its filter less
    // the type condition, so that only the events of those types are walked.
    private readonly string[]? _types;
    private readonly int[] _stepTypes = [];
    private readonly EventConditionNode?[] _stepsWithinType = [];

    public SequenceCondition(LeafInfo info, EventSetNode[] steps, long windowTicks)
        : base(info)
    {
        _steps = [.. steps.Select(step => step.Filter)];
        _windowTicks = windowTicks;
        Cost = ConditionCosts.EventScan * (2 + _steps.Sum(step => step?.Cost ?? 0));
        if (steps.All(step => step.OnlyType is not null))
        {
            _types = [.. steps.Select(step => step.OnlyType!).Distinct(StringComparer.Ordinal)];
            _stepTypes = [.. steps.Select(step => Array.IndexOf(_types, step.OnlyType))];
            _stepsWithinType = [.. steps.Select(step => step.FilterWithinType)];
        }
    }

    public override int Cost { get; }

    public override bool Evaluate(in EvaluationContext context) => Scan(context, stopAtFirstMatch: true, out _);

    /// <remarks>A match holds until its last event leaves the window; the latest such last event decides.</remarks>
    public override TimedResult EvaluateTimed(in EvaluationContext context)
    {
        var matched = Scan(context, stopAtFirstMatch: false, out var latestEnd);
        return new TimedResult(matched, matched && _windowTicks > 0 ? latestEnd + _windowTicks : Timing.Never);
    }

    protected override string DescribeValue(in EvaluationContext context) =>
        Scan(context, stopAtFirstMatch: false, out var latestEnd)
            ? $"matched, last step at {DateLiteral.Format(latestEnd)}"
            : "no match";

    private bool Scan(in EvaluationContext context, bool stopAtFirstMatch, out long latestEnd)
    {
        latestEnd = long.MinValue;
        var stepCount = _steps.Length;
        Span<long> starts = stepCount <= StackSteps ? stackalloc long[StackSteps] : new long[stepCount];
        starts = starts[..stepCount];
        starts.Fill(NoStart);
        var matched = false;
        if (_types is not null)
        {
            using var typed = TypedTimeline.Of(context, _types);
            if (typed.IsAvailable)
            {
                for (var position = 0; position < typed.Count; position++)
                {
                    var e = typed.EventAt(position, out var type);
                    if (Advance(context, e, type, starts, stopAtFirstMatch, ref matched, ref latestEnd))
                    {
                        return true;
                    }
                }

                return matched;
            }
        }

        var events = context.Events;
        using var order = ChronologicalOrder.Of(events);
        for (var position = 0; position < events.Count; position++)
        {
            if (Advance(context, events[order.IndexAt(position)], -1, starts, stopAtFirstMatch, ref matched, ref latestEnd))
            {
                return true;
            }
        }

        return matched;
    }

    /// <summary>Takes the next event in time (of distinct type <paramref name="type"/>, or -1: of any); true when the scan may stop.</summary>
    private bool Advance(in EvaluationContext context, in SegmentEvent e, int type, Span<long> starts, bool stopAtFirstMatch, ref bool matched, ref long latestEnd)
    {
        var stepCount = _steps.Length;
        var windowStart = _windowTicks > 0 ? context.NowTicks - _windowTicks : long.MinValue;
        var ticks = e.Timestamp.UtcTicks;
        for (var step = stepCount - 1; step >= 0; step--)
        {
            if (!StepMatches(step, e, type))
            {
                continue;
            }

            if (step == 0)
            {
                starts[0] = ticks;
                continue;
            }

            var start = starts[step - 1];
            if (start == NoStart)
            {
                continue;
            }

            if (step < stepCount - 1)
            {
                starts[step] = start;
                continue;
            }

            if (_windowTicks > 0 && (ticks - start > _windowTicks || ticks <= windowStart))
            {
                continue;
            }

            matched = true;
            latestEnd = Math.Max(latestEnd, ticks);
            if (stopAtFirstMatch)
            {
                return true;
            }
        }

        return false;
    }

    private bool StepMatches(int step, in SegmentEvent e, int type) => type < 0
        ? _steps[step] is not { } filter || filter.Matches(e)
        : _stepTypes[step] == type && (_stepsWithinType[step] is not { } within || within.Matches(e));
}

/// <summary>
/// The events of a few types in time order (by timestamp, ties by their position in the timeline), from a subject
/// that keeps its events by type and says where they stand; not available otherwise. Pooled arrays.
/// </summary>
internal readonly ref struct TypedTimeline
{
    private readonly IReadOnlyList<SegmentEvent>[]? _lists;
    private readonly (long Ticks, int Position, int Type, int Index)[]? _order;

    private TypedTimeline(IReadOnlyList<SegmentEvent>[] lists, (long, int, int, int)[] order, int count)
    {
        _lists = lists;
        _order = order;
        Count = count;
    }

    public bool IsAvailable => _order is not null;

    public int Count { get; }

    public static TypedTimeline Of(in EvaluationContext context, string[] types)
    {
        var lists = ArrayPool<IReadOnlyList<SegmentEvent>>.Shared.Rent(types.Length);
        var positions = ArrayPool<IReadOnlyList<int>>.Shared.Rent(types.Length);
        var count = 0;
        for (var t = 0; t < types.Length; t++)
        {
            if (context.Subject.EventsOfType(types[t]) is not { } events || context.Subject.PositionsOfType(types[t]) is not { } at || at.Count != events.Count)
            {
                ArrayPool<IReadOnlyList<SegmentEvent>>.Shared.Return(lists, clearArray: true);
                ArrayPool<IReadOnlyList<int>>.Shared.Return(positions, clearArray: true);
                return default;
            }

            lists[t] = events;
            positions[t] = at;
            count += events.Count;
        }

        var order = ArrayPool<(long, int, int, int)>.Shared.Rent(Math.Max(count, 1));
        var n = 0;
        for (var t = 0; t < types.Length; t++)
        {
            for (var i = 0; i < lists[t].Count; i++)
            {
                order[n++] = (lists[t][i].Timestamp.UtcTicks, positions[t][i], t, i);
            }
        }

        Array.Sort(order, 0, count);
        ArrayPool<IReadOnlyList<int>>.Shared.Return(positions, clearArray: true);
        return new TypedTimeline(lists, order, count);
    }

    public SegmentEvent EventAt(int position, out int type)
    {
        var (_, _, t, index) = _order![position];
        type = t;
        return _lists![t][index];
    }

    public void Dispose()
    {
        if (_order is not null)
        {
            ArrayPool<(long, int, int, int)>.Shared.Return(_order);
            ArrayPool<IReadOnlyList<SegmentEvent>>.Shared.Return(_lists!, clearArray: true);
        }
    }
}

/// <summary>
/// The order in which to visit events by time. Free when the list is already chronological (the expected case);
/// otherwise a pooled index array sorted by (timestamp, position).
/// </summary>
internal readonly struct ChronologicalOrder : IDisposable
{
    private readonly int[]? _indexes;

    private ChronologicalOrder(int[] indexes) => _indexes = indexes;

    public static ChronologicalOrder Of(in EventView events)
    {
        var count = events.Count;
        var previous = long.MinValue;
        var sorted = true;
        for (var i = 0; i < count && sorted; i++)
        {
            var ticks = events[i].Timestamp.UtcTicks;
            sorted = ticks >= previous;
            previous = ticks;
        }

        if (sorted)
        {
            return default;
        }

        var keys = ArrayPool<(long Ticks, int Index)>.Shared.Rent(count);
        var indexes = ArrayPool<int>.Shared.Rent(count);
        for (var i = 0; i < count; i++)
        {
            keys[i] = (events[i].Timestamp.UtcTicks, i);
        }

        Array.Sort(keys, 0, count);
        for (var i = 0; i < count; i++)
        {
            indexes[i] = keys[i].Index;
        }

        ArrayPool<(long Ticks, int Index)>.Shared.Return(keys);
        return new ChronologicalOrder(indexes);
    }

    public int IndexAt(int position) => _indexes is null ? position : _indexes[position];

    public void Dispose()
    {
        if (_indexes is not null)
        {
            ArrayPool<int>.Shared.Return(_indexes);
        }
    }
}
