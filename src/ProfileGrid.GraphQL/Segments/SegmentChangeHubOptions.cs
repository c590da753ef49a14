namespace ProfileGrid.GraphQL.Segments;

/// <summary>Limits of a host's subscription hub (<c>ProfileGrid:Subscriptions</c>).</summary>
public sealed class SegmentChangeHubOptions
{
    public const string Section = "ProfileGrid:Subscriptions";

    /// <summary>
    /// Changes held for one subscriber that has not taken them yet. When it is full the subscriber is
    /// ended with the error <c>SUBSCRIBER_TOO_SLOW</c> (logged and counted) rather than silently
    /// losing changes or holding up every other subscriber.
    /// </summary>
    public int SubscriberBufferSize { get; set; } = 10_000;

    /// <summary>
    /// How often the hub renews its listener's registration with the registry of listening hosts, and
    /// registers again when the registry no longer knows it (a registry that lost its state).
    /// </summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before subscribing again after a failure; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
