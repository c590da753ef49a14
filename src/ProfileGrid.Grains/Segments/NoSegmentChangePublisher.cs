namespace ProfileGrid.Segments;

/// <summary>The publisher of a silo without subscriptions: membership changes are stored and counted, not fanned out.</summary>
public sealed class NoSegmentChangePublisher : ISegmentChangePublisher
{
    public Task Publish(IReadOnlyList<SegmentMembershipChange> changes) => Task.CompletedTask;
}
