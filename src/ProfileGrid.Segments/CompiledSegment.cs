namespace ProfileGrid.Segments;

/// <summary>
/// A checked, executable segment definition. Immutable and thread-safe: compile once, then evaluate it for
/// every profile and event; <see cref="Evaluate"/> does not allocate.
/// </summary>
public sealed class CompiledSegment
{
    private readonly ConditionNode _root;

    internal CompiledSegment(string expression, ConditionSyntax syntax, BoundSegment bound)
    {
        Expression = expression;
        Syntax = syntax;
        _root = bound.Root;
        Dependencies = bound.Dependencies;
        References = bound.References;
    }

    /// <summary>The expression as written.</summary>
    public string Expression { get; }

    /// <summary>What the segment reads; used to re-evaluate only the segments a change can affect.</summary>
    public SegmentDependencies Dependencies { get; }

    /// <summary>The expression in canonical form (single spaces, minimal parentheses, dates in UTC); equal forms mean equal definitions.</summary>
    public string CanonicalExpression => SyntaxPrinter.Print(Syntax);

    internal ConditionSyntax Syntax { get; }

    internal IReadOnlyList<SegmentReference> References { get; }

    /// <summary>Whether the person is in the segment at <paramref name="now"/>.</summary>
    public bool Evaluate(ISegmentSubject subject, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var context = new EvaluationContext(subject, now);
        return _root.Evaluate(context);
    }

    /// <summary>
    /// The earliest instant after <paramref name="now"/> at which the result may change with no new data (an event
    /// leaving a <c>within</c> window), or null when time alone cannot change it. It may be earlier than the real
    /// change (the caller then re-evaluates and asks again) but never later. Changes of segments referenced with
    /// <c>inSegment</c> are not included: the catalog re-evaluates dependents when they change.
    /// </summary>
    public DateTimeOffset? NextTimeChange(ISegmentSubject subject, DateTimeOffset now) =>
        EvaluateWithNextChange(subject, now).NextTimeChange;

    /// <summary>Membership and <see cref="NextTimeChange"/> in one pass.</summary>
    public SegmentResult EvaluateWithNextChange(ISegmentSubject subject, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var context = new EvaluationContext(subject, now);
        var result = _root.EvaluateTimed(context);
        return new SegmentResult(result.Value, Timing.ToInstant(result.NextChangeTicks));
    }

    /// <summary>Why the person is in or out: the result and every condition's outcome, in source order.</summary>
    public SegmentExplanation Explain(ISegmentSubject subject, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var context = new EvaluationContext(subject, now);
        var conditions = new List<ConditionExplanation>();
        _root.Explain(context, conditions, negated: false);
        return new SegmentExplanation(_root.Evaluate(context), conditions);
    }

    /// <summary>The expression as written.</summary>
    public override string ToString() => Expression;
}
