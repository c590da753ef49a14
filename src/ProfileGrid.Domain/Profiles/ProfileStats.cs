namespace ProfileGrid.Profiles;

/// <summary>
/// Computed attributes of a profile, kept up to date event by event so that they count every event
/// ever applied, including the ones that fell off the bounded timeline.
/// </summary>
[GenerateSerializer]
public sealed class ProfileStats
{
    public const string PurchaseType = "commerce.purchase";
    public static readonly TimeSpan EngagementWindow = TimeSpan.FromDays(90);

    [Id(0)] public long EventCount { get; private set; }
    [Id(1)] public Dictionary<string, long> CountsByType { get; private set; } = new(StringComparer.Ordinal);
    [Id(2)] public DateTimeOffset? FirstSeen { get; private set; }
    [Id(3)] public DateTimeOffset? LastSeen { get; private set; }
    [Id(4)] public double LifetimeRevenue { get; private set; }
    [Id(5)] public long PurchaseCount { get; private set; }
    [Id(6)] public DateTimeOffset? LastPurchaseAt { get; private set; }
    /// <summary>Events per (day, channel), pruned to the engagement window, for <see cref="MostEngagedChannel"/>.</summary>
    [Id(7)] public Dictionary<DateOnly, Dictionary<string, int>> ChannelDays { get; private set; } = [];

    public void Add(Events.CustomerEvent e)
    {
        EventCount++;
        CountsByType[e.Type] = CountsByType.GetValueOrDefault(e.Type) + 1;
        if (FirstSeen is null || e.Timestamp < FirstSeen) FirstSeen = e.Timestamp;
        if (LastSeen is null || e.Timestamp > LastSeen) LastSeen = e.Timestamp;
        if (e.Revenue is { } revenue) LifetimeRevenue += revenue;
        if (e.Type == PurchaseType)
        {
            PurchaseCount++;
            if (LastPurchaseAt is null || e.Timestamp > LastPurchaseAt) LastPurchaseAt = e.Timestamp;
        }
        if (e.Channel is { } channel)
        {
            var day = DateOnly.FromDateTime(e.Timestamp.UtcDateTime);
            if (!ChannelDays.TryGetValue(day, out var channels)) ChannelDays[day] = channels = new(StringComparer.Ordinal);
            channels[channel] = channels.GetValueOrDefault(channel) + 1;
        }
    }

    public void Merge(ProfileStats other)
    {
        EventCount += other.EventCount;
        foreach (var (type, count) in other.CountsByType) CountsByType[type] = CountsByType.GetValueOrDefault(type) + count;
        FirstSeen = Min(FirstSeen, other.FirstSeen);
        LastSeen = Max(LastSeen, other.LastSeen);
        LifetimeRevenue += other.LifetimeRevenue;
        PurchaseCount += other.PurchaseCount;
        LastPurchaseAt = Max(LastPurchaseAt, other.LastPurchaseAt);
        foreach (var (day, channels) in other.ChannelDays)
        {
            if (!ChannelDays.TryGetValue(day, out var mine)) ChannelDays[day] = mine = new(StringComparer.Ordinal);
            foreach (var (channel, count) in channels) mine[channel] = mine.GetValueOrDefault(channel) + count;
        }
    }

    /// <summary>The channel with the most events in the 90 days before <paramref name="now"/> (ties: alphabetical).</summary>
    public string? MostEngagedChannel(DateTimeOffset now)
    {
        var from = DateOnly.FromDateTime((now - EngagementWindow).UtcDateTime);
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (day, channels) in ChannelDays)
        {
            if (day < from) continue;
            foreach (var (channel, count) in channels) totals[channel] = totals.GetValueOrDefault(channel) + count;
        }
        return totals.Count == 0 ? null
            : totals.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
    }

    /// <summary>Forgets per-day channel counts older than the engagement window.</summary>
    public void Prune(DateTimeOffset now)
    {
        var from = DateOnly.FromDateTime((now - EngagementWindow).UtcDateTime);
        foreach (var day in ChannelDays.Keys.Where(d => d < from).ToList()) ChannelDays.Remove(day);
    }

    public static ProfileStats From(IEnumerable<Events.CustomerEvent> events)
    {
        var stats = new ProfileStats();
        foreach (var e in events) stats.Add(e);
        return stats;
    }

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;
    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
