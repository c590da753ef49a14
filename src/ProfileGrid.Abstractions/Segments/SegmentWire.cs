namespace ProfileGrid.Segments;

/// <summary>A segment as defined: what a marketer wrote and the catalogue version it was defined at.</summary>
/// <param name="Revision">The catalogue version of this definition; profiles evaluated before it re-evaluate it.</param>
[GenerateSerializer, Immutable]
public sealed record SegmentDefinition(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Expression,
    [property: Id(3)] long Revision,
    [property: Id(4)] DateTimeOffset DefinedAt);

/// <summary>Where the batch evaluation of a segment over every existing profile stands.</summary>
[GenerateSerializer]
public enum SegmentEvaluationStatus
{
    Pending,
    Running,
    Completed,
}

/// <summary>Progress of a segment's batch evaluation: <see cref="Evaluated"/> of <see cref="Total"/> profiles.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentEvaluation(
    [property: Id(0)] SegmentEvaluationStatus Status,
    [property: Id(1)] long Evaluated,
    [property: Id(2)] long Total);

/// <summary>A segment and the progress of its batch evaluation.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentInfo(
    [property: Id(0)] SegmentDefinition Definition,
    [property: Id(1)] SegmentEvaluation Evaluation);

/// <summary>
/// Why a definition was refused: the input field, the rule it broke, and for expression errors the
/// position (1-based line and column; 0 when the error has no position).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SegmentProblem(
    [property: Id(0)] string Field,
    [property: Id(1)] string Rule,
    [property: Id(2)] string Message,
    [property: Id(3)] int Line = 0,
    [property: Id(4)] int Column = 0);

/// <summary>The answer to a definition: the stored segment, or the problems (and nothing stored changed).</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentChangeResult(
    [property: Id(0)] SegmentInfo? Segment,
    [property: Id(1)] ImmutableArray<SegmentProblem> Problems)
{
    public bool Succeeded => Problems.IsDefaultOrEmpty;
}

/// <summary>Every segment of one catalogue version, as silos cache it.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentCatalogSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] ImmutableArray<SegmentDefinition> Segments);

/// <summary>A person's standing in one segment: in it now, or in it once and left.</summary>
[GenerateSerializer]
public enum MembershipStatus
{
    Realized,
    Exited,
}

/// <summary>One segment a person is or was in, and since when.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentMembership(
    [property: Id(0)] string SegmentId,
    [property: Id(1)] MembershipStatus Status,
    [property: Id(2)] DateTimeOffset Since);

/// <summary>One condition of a segment evaluated for one person (see <c>ConditionExplanation</c> in the language library).</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentConditionOutcome(
    [property: Id(0)] string Source,
    [property: Id(1)] int Line,
    [property: Id(2)] int Column,
    [property: Id(3)] string Value,
    [property: Id(4)] bool Held,
    [property: Id(5)] bool Negated)
{
    /// <summary>Whether the condition is as the segment wants it.</summary>
    public bool Satisfied => Held != Negated;
}

/// <summary>Why a person is in or out of a segment, at the instant it was asked.</summary>
[GenerateSerializer, Immutable]
public sealed record ProfileSegmentExplanation(
    [property: Id(0)] string SegmentId,
    [property: Id(1)] string ProfileId,
    [property: Id(2)] bool IsMember,
    [property: Id(3)] ImmutableArray<SegmentConditionOutcome> Conditions,
    [property: Id(4)] DateTimeOffset EvaluatedAt);

/// <summary>A page of profile ids in id order, and whether more follow.</summary>
[GenerateSerializer, Immutable]
public sealed record ProfileIdPage(
    [property: Id(0)] ImmutableArray<string> ProfileIds,
    [property: Id(1)] bool HasMore);

/// <summary>Stable shard numbers (FNV-1a), the same on every host and across restarts.</summary>
public static class SegmentShards
{
    public static int Of(string profileId, int shards)
    {
        var hash = 2166136261u;
        foreach (var c in profileId) hash = (hash ^ c) * 16777619u;
        return (int)(hash % (uint)shards);
    }

    /// <summary>The name of one shard of one segment's audience (its stored set, <c>audience/{segmentId}/{shard}</c>).</summary>
    public static string AudienceKey(string segmentId, long shard) => $"{segmentId}/{shard}";
}
