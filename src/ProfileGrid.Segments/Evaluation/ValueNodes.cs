namespace ProfileGrid.Segments.Evaluation;

/// <summary>A value read from the profile: a literal, a trait, a stats field or an aggregate over events.</summary>
internal abstract class ValueNode(SegmentType type)
{
    public SegmentType Type { get; } = type;

    public virtual bool IsLiteral => false;

    /// <summary>Rough relative cost of computing the value, used to test cheap conditions first.</summary>
    public virtual int Cost => 1;

    public abstract SegmentValue Evaluate(in EvaluationContext context);

    /// <summary>The first instant (UTC ticks) after now at which the value may change with no new data.</summary>
    public virtual long NextChangeTicks(in EvaluationContext context) => Timing.Never;

    /// <summary>The value and <see cref="NextChangeTicks"/> together; values over events walk them once for both.</summary>
    public virtual SegmentValue EvaluateTimed(in EvaluationContext context, out long nextChangeTicks)
    {
        nextChangeTicks = NextChangeTicks(context);
        return Evaluate(context);
    }
}

internal sealed class LiteralValue(SegmentValue value, SegmentType type) : ValueNode(type)
{
    public SegmentValue Value { get; } = value;

    public override bool IsLiteral => true;

    public override int Cost => 0;

    public override SegmentValue Evaluate(in EvaluationContext context) => Value;
}

internal sealed class TraitValue(JsonPath path) : ValueNode(SegmentType.Dynamic)
{
    public override int Cost => 8 * path.Length;

    public override SegmentValue Evaluate(in EvaluationContext context) => SegmentValue.FromJson(path.Resolve(context.Subject.Traits));
}

internal sealed class StatsValue(StatsField field) : ValueNode(KnownStats.TypeOf(field))
{
    public override SegmentValue Evaluate(in EvaluationContext context)
    {
        var stats = context.Subject.Stats;
        return field switch
        {
            StatsField.EventCount => SegmentValue.FromNumber(stats.EventCount),
            StatsField.PurchaseCount => SegmentValue.FromNumber(stats.PurchaseCount),
            StatsField.LifetimeRevenue => SegmentValue.FromNumber(stats.LifetimeRevenue),
            StatsField.FirstSeen => SegmentValue.FromDate(stats.FirstSeen),
            StatsField.LastSeen => SegmentValue.FromDate(stats.LastSeen),
            StatsField.LastPurchaseAt => SegmentValue.FromDate(stats.LastPurchaseAt),
            _ => SegmentValue.FromString(stats.MostEngagedChannel),
        };
    }
}

/// <summary>Stands in for a value that failed to bind, so binding can go on and report every error; never evaluated.</summary>
internal sealed class InvalidValue() : ValueNode(SegmentType.Invalid)
{
    public override SegmentValue Evaluate(in EvaluationContext context) => throw new UnreachableException();
}

internal sealed class CountValue(EventSetNode events) : ValueNode(SegmentType.Number)
{
    public override int Cost => ConditionCosts.EventScan * events.CostPerEvent;

    public override SegmentValue Evaluate(in EvaluationContext context) => EvaluateTimed(context, out _);

    public override SegmentValue EvaluateTimed(in EvaluationContext context, out long nextChangeTicks)
    {
        var candidates = context.Walk(events);
        var count = 0;
        var oldest = long.MaxValue;
        for (var i = 0; i < candidates.Count; i++)
        {
            var e = candidates[i];
            if (candidates.Includes(e))
            {
                count++;
                oldest = Math.Min(oldest, e.Timestamp.UtcTicks);
            }
        }

        nextChangeTicks = EventSetTiming.FirstExpiry(events, oldest);
        return SegmentValue.FromNumber(count);
    }

    public override long NextChangeTicks(in EvaluationContext context)
    {
        EvaluateTimed(context, out var next);
        return next;
    }
}

/// <summary><c>sum/min/max/avg(field of events ...)</c>; events without a value for the field are skipped.</summary>
internal sealed class AggregateValue(AggregateFunction function, EventValueNode field, EventSetNode events, SegmentType type) : ValueNode(type)
{
    public override int Cost => ConditionCosts.EventScan * (events.CostPerEvent + @field.Cost);

    public override SegmentValue Evaluate(in EvaluationContext context) => EvaluateTimed(context, out _);

    public override long NextChangeTicks(in EvaluationContext context)
    {
        EvaluateTimed(context, out var next);
        return next;
    }

    public override SegmentValue EvaluateTimed(in EvaluationContext context, out long nextChangeTicks)
    {
        var candidates = context.Walk(events);
        var seen = 0;
        double total = 0;
        double best = 0;
        long bestTicks = 0;
        var oldest = long.MaxValue;
        for (var i = 0; i < candidates.Count; i++)
        {
            var e = candidates[i];
            if (!candidates.Includes(e))
            {
                continue;
            }

            oldest = Math.Min(oldest, e.Timestamp.UtcTicks);

            var value = field.Evaluate(e);
            if (value.Kind == ValueKind.Number)
            {
                total += value.Number;
                if (seen == 0 || (function == AggregateFunction.Min ? value.Number < best : value.Number > best))
                {
                    best = value.Number;
                }

                seen++;
            }
            else if (value.Kind == ValueKind.Date)
            {
                if (seen == 0 || (function == AggregateFunction.Min ? value.Ticks < bestTicks : value.Ticks > bestTicks))
                {
                    bestTicks = value.Ticks;
                }

                seen++;
            }
        }

        nextChangeTicks = EventSetTiming.FirstExpiry(events, oldest);
        return function switch
        {
            AggregateFunction.Sum => SegmentValue.FromNumber(total),
            _ when seen == 0 => SegmentValue.Missing,
            AggregateFunction.Avg => SegmentValue.FromNumber(total / seen),
            _ when Type == SegmentType.Date => SegmentValue.FromDateTicks(bestTicks),
            _ => SegmentValue.FromNumber(best),
        };
    }
}

internal static class EventSetTiming
{
    /// <summary>
    /// When the first event now in the window leaves it (the earliest instant the set changes), given the oldest
    /// timestamp among the events the set includes now (<see cref="long.MaxValue"/> when it includes none).
    /// </summary>
    public static long FirstExpiry(EventSetNode events, long oldestIncludedTicks) =>
        !events.HasWindow || oldestIncludedTicks == long.MaxValue ? Timing.Never : oldestIncludedTicks + events.WindowTicks;
}
