namespace ProfileGrid.Segments;

/// <summary>
/// The computed statistics of a profile that segments may reference as <c>stats.&lt;name&gt;</c>.
/// A value type because the profile grain recomputes it on every event; the set of fields is fixed so that
/// a misspelt <c>stats</c> field is a definition-time error rather than a segment that silently never matches.
/// </summary>
public readonly record struct ProfileStatsView
{
    /// <summary>Number of events the profile has received (<c>stats.eventCount</c>).</summary>
    public long EventCount { get; init; }

    /// <summary>Number of purchases (<c>stats.purchaseCount</c>).</summary>
    public long PurchaseCount { get; init; }

    /// <summary>Total revenue over the profile's life (<c>stats.lifetimeRevenue</c>).</summary>
    public double LifetimeRevenue { get; init; }

    /// <summary>Timestamp of the first event (<c>stats.firstSeen</c>); null before any event.</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>Timestamp of the latest event (<c>stats.lastSeen</c>); null before any event.</summary>
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>Timestamp of the latest purchase (<c>stats.lastPurchaseAt</c>); null for people who never bought.</summary>
    public DateTimeOffset? LastPurchaseAt { get; init; }

    /// <summary>The channel with most engagement (<c>stats.mostEngagedChannel</c>); null when unknown.</summary>
    public string? MostEngagedChannel { get; init; }
}
