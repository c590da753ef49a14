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
/// Where profile grains hand their membership changes. The silo wires the implementation that pushes
/// them to every listening host (<see cref="ISegmentChangeListener"/>); a silo without subscriptions
/// uses one that drops them.
/// </summary>
public interface ISegmentChangePublisher
{
    /// <summary>Publishes the changes of one profile, in sequence order; returns once they are queued for every host, without waiting for delivery.</summary>
    Task Publish(IReadOnlyList<SegmentMembershipChange> changes);
}
