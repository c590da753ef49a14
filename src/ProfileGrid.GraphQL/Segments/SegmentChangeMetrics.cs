using System.Diagnostics.Metrics;

namespace ProfileGrid.GraphQL.Segments;

/// <summary>
/// Counters of the subscription hub, on the meter <c>ProfileGrid.Segments.Subscriptions</c>: what
/// arrived from the silos' relays, what was handed to subscribers, subscribers ended for being too slow,
/// and registrations again after the registry lost the listener or renewing failed.
/// </summary>
public sealed class SegmentChangeMetrics
{
    public const string MeterName = "ProfileGrid.Segments.Subscriptions";

    private readonly Counter<long> _received;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _tooSlow;
    private readonly Counter<long> _resubscribed;
    private readonly UpDownCounter<long> _subscribers;

    public SegmentChangeMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _received = meter.CreateCounter<long>("profilegrid.subscriptions.changes_received", description: "Segment membership changes received from the silos' relays by this host.");
        _delivered = meter.CreateCounter<long>("profilegrid.subscriptions.changes_delivered", description: "Changes handed to this host's subscribers (one per matching subscriber).");
        _tooSlow = meter.CreateCounter<long>("profilegrid.subscriptions.subscribers_too_slow", description: "Subscribers ended because their buffer (SubscriberBufferSize) was full.");
        _resubscribed = meter.CreateCounter<long>("profilegrid.subscriptions.resubscriptions", description: "Times the hub registered its listener again after the registry lost it or renewing failed.");
        _subscribers = meter.CreateUpDownCounter<long>("profilegrid.subscriptions.subscribers", description: "Active segmentMembershipChanged subscriptions on this host.");
    }

    public void Received() => _received.Add(1);

    public void Delivered(int count) => _delivered.Add(count);

    public void SubscriberTooSlow() => _tooSlow.Add(1);

    public void Resubscribed() => _resubscribed.Add(1);

    public void SubscriberAdded() => _subscribers.Add(1);

    public void SubscriberRemoved() => _subscribers.Add(-1);
}
