using Orleans.Concurrency;

namespace ProfileGrid.Segments;

/// <summary>
/// The one registry of segment definitions (key 0). Compiles and checks a definition (syntax, types,
/// inSegment references and cycles, limits) before storing it; silos cache the catalogue by version.
/// </summary>
public interface ISegmentRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Defines or replaces a segment; a null id gets a generated one. Starts its batch evaluation.</summary>
    Task<SegmentChangeResult> Define(string? id, string name, string expression);

    /// <summary>Deletes a segment unless another one references it. Returns problems, or an empty result when done.</summary>
    Task<SegmentChangeResult> Delete(string id);

    /// <summary>The segment with its evaluation progress, or null.</summary>
    Task<SegmentInfo?> Get(string id);

    /// <summary>Every segment, by id.</summary>
    Task<ImmutableArray<SegmentInfo>> List();

    /// <summary>The catalogue when its version is newer than <paramref name="knownVersion"/>, else null.</summary>
    Task<SegmentCatalogSnapshot?> GetCatalog(long knownVersion);

    /// <summary>Progress of the batch evaluation of <paramref name="revision"/> of a segment; older revisions are ignored.</summary>
    Task ReportEvaluation(string id, long revision, SegmentEvaluation evaluation);
}

/// <summary>
/// Walks every existing profile (through the directory) and has it evaluate the current catalogue, for one
/// segment's definition (key: segment id). Reentrant so that progress and a newer revision are not queued
/// behind a long walk.
/// </summary>
public interface ISegmentEvaluationGrain : IGrainWithStringKey
{
    /// <summary>Starts (or restarts, for a newer revision) the walk; returns at once.</summary>
    [OneWay]
    Task Start(long revision);
}

/// <summary>
/// One shard of the directory of existing profile ids (key: shard number). Profiles register when they are
/// created and leave when merged away, so batch evaluation reaches profiles that are not in memory.
/// </summary>
public interface IProfileDirectoryGrain : IGrainWithIntegerKey
{
    Task Register(string profileId);

    Task Unregister(string profileId);

    Task<long> Count();

    /// <summary>Ids after <paramref name="after"/> in ordinal order.</summary>
    Task<ProfileIdPage> Page(string? after, int count);
}

/// <summary>
/// One shard of every segment's members: the profiles whose id falls in this shard
/// (<see cref="SegmentShards.Of"/>, key = shard number), one set per segment. Profile grains send it
/// their membership changes, all segments of a change in one call, so <c>size</c> is exact without a
/// scan and a change costs one message however many segments it touches.
/// </summary>
public interface IAudienceShardGrain : IGrainWithIntegerKey
{
    /// <summary>Applies each change in order (entered adds, exited removes); idempotent.</summary>
    Task Apply(ImmutableArray<AudienceChange> changes);

    Task<long> Count(string segmentId);

    /// <summary>Members of the segment in this shard after <paramref name="after"/>, in ordinal id order.</summary>
    Task<ProfileIdPage> Page(string segmentId, string? after, int count);

    /// <summary>Forgets every member of the segment in this shard (the segment was deleted).</summary>
    Task Clear(string segmentId);
}

/// <summary>A profile entered (or left) a segment: what an audience shard applies.</summary>
[GenerateSerializer, Immutable]
public sealed record AudienceChange([property: Id(0)] string SegmentId, [property: Id(1)] string ProfileId, [property: Id(2)] bool Entered);

/// <summary>
/// The segment side of a profile grain (same grain, same key as <see cref="IProfileGrain"/>): memberships,
/// explanation, the time-driven and batch re-evaluations.
/// </summary>
public interface IProfileSegmentsGrain : IGrainWithStringKey
{
    /// <summary>Segments the person is in or has left, with the time of the last change. A merged profile answers with a redirect.</summary>
    Task<(ImmutableArray<SegmentMembership> Memberships, string? MergedInto)> GetSegments();

    /// <summary>Why the person is in or out of a segment now; null when the profile does not exist or the segment is unknown.</summary>
    Task<(ProfileSegmentExplanation? Explanation, string? MergedInto)> ExplainSegment(string segmentId);

    /// <summary>Evaluates every segment defined at or after the profile's last evaluation, once the catalogue is at least <paramref name="catalogVersion"/>.</summary>
    Task RefreshSegments(long catalogVersion);

    /// <summary>Re-evaluates the segments whose time windows have moved (what the reminder calls); returns the next instant to check, if any.</summary>
    Task<DateTimeOffset?> CheckSegmentTime();
}
