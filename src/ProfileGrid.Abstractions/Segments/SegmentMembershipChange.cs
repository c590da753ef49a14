namespace ProfileGrid.Segments;

/// <summary>Whether a person entered or left a segment.</summary>
public enum MembershipChangeStatus
{
    Entered,
    Exited,
}

/// <summary>
/// One change of one person's membership in one segment. <see cref="Sequence"/> increases with every
/// change of the same profile, so a subscriber can order and de-duplicate what it receives.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SegmentMembershipChange(
    [property: Id(0)] string SegmentId,
    [property: Id(1)] string ProfileId,
    [property: Id(2)] MembershipChangeStatus Status,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] long Sequence);

/// <summary>
/// Where profile grains hand their membership changes, after the change is stored. The silo wires the
/// implementation that fans them out to every host's subscribers (an Orleans stream); a silo without
/// subscriptions uses one that drops them.
/// </summary>
public interface ISegmentChangePublisher
{
    /// <summary>Publishes the changes of one profile, in sequence order.</summary>
    Task Publish(IReadOnlyList<SegmentMembershipChange> changes);
}

/// <summary>The stream the changes travel on: one provider, a few shards keyed by profile so per-profile order holds.</summary>
public static class SegmentChangeStreams
{
    public const string ProviderName = "profilegrid-segments";
    public const string Namespace = "segment-membership";
    public const int ShardCount = 8;

    /// <summary>The shard of a profile's changes (FNV-1a), the same on every host.</summary>
    public static int ShardOf(string profileId)
    {
        var hash = 2166136261u;
        foreach (var c in profileId) hash = (hash ^ c) * 16777619u;
        return (int)(hash % ShardCount);
    }
}
