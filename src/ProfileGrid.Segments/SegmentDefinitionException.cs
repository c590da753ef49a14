namespace ProfileGrid.Segments;

/// <summary>
/// Thrown when a segment definition is rejected: a syntax error, a type error, a limit exceeded, or (from
/// <see cref="SegmentCatalog"/>) an unknown or cyclic <c>inSegment</c> reference. Carries every error found so
/// that a definition UI can show them all at once.
/// </summary>
public sealed class SegmentDefinitionException : Exception
{
    /// <summary>Creates the exception; the message is every error's full sentence, one per line.</summary>
    public SegmentDefinitionException(IReadOnlyList<SegmentError> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A definition error needs at least one error.", nameof(errors));
        }

        Errors = errors;
    }

    /// <summary>The errors, in the order of their position in the expression.</summary>
    public IReadOnlyList<SegmentError> Errors { get; }
}
