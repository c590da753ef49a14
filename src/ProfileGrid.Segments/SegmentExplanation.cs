namespace ProfileGrid.Segments;

/// <summary>
/// Why a person is in or out of a segment: the overall result and the outcome of every condition, so a
/// marketer can see which condition kept someone out.
/// </summary>
/// <param name="Result">Whether the person is in the segment.</param>
/// <param name="Conditions">Every leaf condition in source order.</param>
public sealed record SegmentExplanation(bool Result, IReadOnlyList<ConditionExplanation> Conditions)
{
    /// <summary>A readable multi-line summary, one condition per line.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Result ? "in segment" : "not in segment");
        foreach (var condition in Conditions)
        {
            text.AppendLine().Append("  ").Append(condition);
        }

        return text.ToString();
    }
}

/// <summary>
/// The outcome of one leaf condition (a comparison, <c>in</c>, <c>exists</c>, <c>sequence</c>, <c>inSegment</c>,
/// <c>hasIdentity</c>...) for one person.
/// </summary>
/// <param name="Source">The condition as written (line breaks and indentation collapsed to one space).</param>
/// <param name="Line">1-based line where the condition starts.</param>
/// <param name="Column">1-based column where the condition starts.</param>
/// <param name="Value">What was found for this person, e.g. the count, the trait value, <c>(none)</c> when missing.</param>
/// <param name="Held">Whether the condition itself is true, before any enclosing <c>not</c>.</param>
/// <param name="Negated">Whether the condition sits under an odd number of <c>not</c>, i.e. the segment wants it false.</param>
public sealed record ConditionExplanation(string Source, int Line, int Column, string Value, bool Held, bool Negated)
{
    /// <summary>Whether the condition is as the segment wants it (true and not negated, or false and negated).</summary>
    public bool Satisfied => Held != Negated;

    /// <summary>One line: the outcome, the condition and the value found.</summary>
    public override string ToString() =>
        $"[{(Satisfied ? "ok" : "no")}] {(Negated ? "not " : string.Empty)}{Source}: {(Held ? "true" : "false")} (found {Value})";
}
