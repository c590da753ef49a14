namespace ProfileGrid.Segments;

/// <summary>
/// One problem in a segment definition, positioned so that an editor can underline it. Messages follow one
/// pattern, "found X, expected Y", so that a marketer always learns both what is wrong and how to fix it.
/// </summary>
/// <param name="Line">1-based line of the problem.</param>
/// <param name="Column">1-based column (in characters) of the problem.</param>
/// <param name="Message">What was found and what was expected, without the position.</param>
public sealed record SegmentError(int Line, int Column, string Message)
{
    /// <summary>
    /// The segment the error belongs to when several segments are checked together (see <see cref="SegmentCatalog"/>);
    /// null when a single expression was compiled.
    /// </summary>
    public string? SegmentId { get; init; }

    /// <summary>The full sentence, e.g. <c>line 2, column 14: found 'within', expected ')' or 'and' or 'or'</c>.</summary>
    public override string ToString() => SegmentId is null
        ? $"line {Line}, column {Column}: {Message}"
        : $"segment '{SegmentId}', line {Line}, column {Column}: {Message}";
}
