namespace ProfileGrid.Segments.Syntax;

internal enum ComparisonOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Contains,
    StartsWith,
}

internal enum EventField
{
    Type,
    Channel,
    Campaign,
    Revenue,
    Timestamp,
    Attributes,
}

internal enum AggregateFunction
{
    Sum,
    Min,
    Max,
    Avg,
}

/// <summary>A condition as written; <c>and</c>/<c>or</c> chains are n-ary so long chains need no deep recursion.</summary>
internal abstract record ConditionSyntax(TextSpan Span);

internal sealed record OrSyntax(IReadOnlyList<ConditionSyntax> Operands, TextSpan Span) : ConditionSyntax(Span);

internal sealed record AndSyntax(IReadOnlyList<ConditionSyntax> Operands, TextSpan Span) : ConditionSyntax(Span);

internal sealed record NotSyntax(ConditionSyntax Operand, TextSpan Span) : ConditionSyntax(Span);

internal sealed record ComparisonSyntax(ValueSyntax Left, ComparisonOperator Operator, TextSpan OperatorSpan, ValueSyntax Right, TextSpan Span)
    : ConditionSyntax(Span);

internal sealed record InListSyntax(ValueSyntax Left, IReadOnlyList<ValueSyntax> Items, TextSpan Span) : ConditionSyntax(Span);

/// <summary>A value used as a condition by itself: <c>true</c>, or a boolean trait such as <c>traits.vip</c>.</summary>
internal sealed record ValueConditionSyntax(ValueSyntax Value, TextSpan Span) : ConditionSyntax(Span);

internal sealed record ExistsEventsSyntax(EventSetSyntax Events, TextSpan Span) : ConditionSyntax(Span);

/// <summary><c>exists(traits.x)</c>, <c>exists(stats.lastPurchaseAt)</c>, <c>exists(attributes.coupon)</c>.</summary>
internal sealed record ExistsFieldSyntax(ValueSyntax Field, TextSpan Span) : ConditionSyntax(Span);

internal sealed record HasIdentitySyntax(string Namespace, TextSpan Span) : ConditionSyntax(Span);

internal sealed record InSegmentSyntax(string SegmentId, TextSpan Span) : ConditionSyntax(Span);

internal sealed record SequenceSyntax(IReadOnlyList<EventSetSyntax> Steps, DurationSyntax? Window, TextSpan Span) : ConditionSyntax(Span);

internal abstract record ValueSyntax(TextSpan Span);

internal sealed record StringLiteralSyntax(string Value, TextSpan Span) : ValueSyntax(Span);

internal sealed record NumberLiteralSyntax(double Value, TextSpan Span) : ValueSyntax(Span);

internal sealed record BooleanLiteralSyntax(bool Value, TextSpan Span) : ValueSyntax(Span);

internal sealed record DateLiteralSyntax(DateTimeOffset Value, TextSpan Span) : ValueSyntax(Span);

internal sealed record TraitSyntax(IReadOnlyList<string> Path, TextSpan Span) : ValueSyntax(Span);

internal sealed record StatsSyntax(string Name, TextSpan NameSpan, TextSpan Span) : ValueSyntax(Span);

internal sealed record EventFieldSyntax(EventField Field, IReadOnlyList<string> AttributePath, TextSpan Span) : ValueSyntax(Span);

internal sealed record CountSyntax(EventSetSyntax Events, TextSpan Span) : ValueSyntax(Span);

internal sealed record AggregateSyntax(AggregateFunction Function, EventFieldSyntax Field, EventSetSyntax Events, TextSpan Span)
    : ValueSyntax(Span);

internal sealed record EventSetSyntax(ConditionSyntax? Filter, DurationSyntax? Window, TextSpan Span);

internal sealed record DurationSyntax(TimeSpan Value, string Text, TextSpan Span);
