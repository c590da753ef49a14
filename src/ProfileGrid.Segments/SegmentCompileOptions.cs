namespace ProfileGrid.Segments;

/// <summary>
/// The limits a segment definition must respect. Every limit is reported with a clear error when exceeded,
/// never applied silently; they exist so that one definition cannot make evaluation of every event slow.
/// </summary>
public sealed record SegmentCompileOptions
{
    /// <summary>The options used when none are given.</summary>
    public static SegmentCompileOptions Default { get; } = new();

    /// <summary>Maximum length of an expression in characters (default 4,000).</summary>
    public int MaxExpressionLength { get; init; } = 4000;

    /// <summary>
    /// Maximum nesting of parentheses, <c>not</c> and <c>events where</c> (default 32); bounds the recursion of the
    /// parser and the evaluator whatever the expression length.
    /// </summary>
    public int MaxNestingDepth { get; init; } = 32;

    /// <summary>Longest allowed <c>within</c> duration (default 3,650 days); longer windows are almost always typos.</summary>
    public TimeSpan MaxWindow { get; init; } = TimeSpan.FromDays(3650);
}
