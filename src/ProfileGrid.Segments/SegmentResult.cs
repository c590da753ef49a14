namespace ProfileGrid.Segments;

/// <summary>
/// Membership plus the instant it could next change by the passing of time alone, computed in one pass so a
/// profile grain can both publish the membership and arm its timer.
/// </summary>
/// <param name="IsMember">Whether the person is in the segment at the evaluated instant.</param>
/// <param name="NextTimeChange">See <see cref="CompiledSegment.NextTimeChange"/>.</param>
public readonly record struct SegmentResult(bool IsMember, DateTimeOffset? NextTimeChange);
