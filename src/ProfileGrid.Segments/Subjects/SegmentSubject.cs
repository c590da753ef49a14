namespace ProfileGrid.Segments;

/// <summary>
/// A ready-made <see cref="ISegmentSubject"/> over plain collections, for previews ("would this person match?"),
/// tests and callers that do not keep their own profile representation.
/// </summary>
public sealed class SegmentSubject : ISegmentSubject
{
    /// <inheritdoc />
    public JsonElement Traits { get; init; }

    /// <inheritdoc />
    public IReadOnlyList<SegmentEvent> Events { get; init; } = Array.Empty<SegmentEvent>();

    /// <inheritdoc />
    public ProfileStatsView Stats { get; init; }

    /// <summary>The identity namespaces the person has identities in.</summary>
    public IReadOnlySet<string> IdentityNamespaces { get; init; } = FrozenSet<string>.Empty;

    /// <summary>The ids of the segments the person currently belongs to.</summary>
    public IReadOnlySet<string> Segments { get; init; } = FrozenSet<string>.Empty;

    /// <inheritdoc />
    public bool HasIdentityNamespace(string identityNamespace) => IdentityNamespaces.Contains(identityNamespace);

    /// <inheritdoc />
    public bool IsInSegment(string segmentId) => Segments.Contains(segmentId);
}
