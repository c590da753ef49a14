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
    /// <summary>
    /// Events per (day, channel), ordered by day then channel, for <see cref="MostEngagedChannel"/>; days more than
    /// the engagement window (and a day) before the newest one are forgotten, since no clock can reach them again.
    /// </summary>
    public IReadOnlyList<ChannelDay> ChannelCounts
    {
        get
        {
            FoldLegacyChannelDays();
            return _channelCounts ??= [];
        }
    }

    [Id(8)] private List<ChannelDay>? _channelCounts = [];

    /// <summary>
    /// The per-day dictionaries stored before <see cref="ChannelCounts"/> (a dictionary per day cost about 200 bytes);
    /// a state read back with them has them folded into <see cref="ChannelCounts"/> on first use. Null otherwise.
    /// </summary>
    [Id(7)] public Dictionary<DateOnly, Dictionary<string, int>>? LegacyChannelDays { get; set; }

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
        if (e.Channel is { } channel) Count(DateOnly.FromDateTime(e.Timestamp.UtcDateTime), channel, 1);
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
        foreach (var counted in other.ChannelCounts) Count(counted.Day, counted.Channel, counted.Count);
    }

    /// <summary>The channel with the most events in the 90 days before <paramref name="now"/> (ties: alphabetical).</summary>
    public string? MostEngagedChannel(DateTimeOffset now)
    {
        var from = DateOnly.FromDateTime((now - EngagementWindow).UtcDateTime);
        var counts = ChannelCounts;
        // A profile has few channels: totals in a scratch list of the thread, not a dictionary per call.
        var totals = t_totals ??= [];
        totals.Clear();
        for (var i = counts.Count - 1; i >= 0 && counts[i].Day >= from; i--)
        {
            var at = 0;
            while (at < totals.Count && totals[at].Channel != counts[i].Channel) at++;
            if (at == totals.Count) totals.Add((counts[i].Channel, counts[i].Count));
            else totals[at] = (totals[at].Channel, totals[at].Total + counts[i].Count);
        }
        string? best = null;
        var bestTotal = 0;
        foreach (var (channel, total) in totals)
            if (total > bestTotal || (total == bestTotal && string.CompareOrdinal(channel, best) < 0)) (best, bestTotal) = (channel, total);
        return best;
    }

    [ThreadStatic] private static List<(string Channel, int Total)>? t_totals;

    public static ProfileStats From(IEnumerable<Events.CustomerEvent> events)
    {
        var stats = new ProfileStats();
        foreach (var e in events) stats.Add(e);
        return stats;
    }

    private void Count(DateOnly day, string channel, int count)
    {
        FoldLegacyChannelDays();
        var counts = _channelCounts ??= [];
        // Ordered by day then channel; events mostly come in time order, so look from the end.
        var at = counts.Count;
        while (at > 0 && (counts[at - 1].Day > day || (counts[at - 1].Day == day && string.CompareOrdinal(counts[at - 1].Channel, channel) > 0))) at--;
        if (at > 0 && counts[at - 1].Day == day && counts[at - 1].Channel == channel)
        {
            counts[at - 1] = counts[at - 1] with { Count = counts[at - 1].Count + count };
            return;
        }
        var newest = counts.Count > 0 ? counts[^1].Day : day;
        if (day.DayNumber < newest.DayNumber - KeptChannelDays) return;
        counts.Insert(at, new ChannelDay(day, channel, count));
        var oldest = (day > newest ? day : newest).DayNumber - KeptChannelDays;
        var stale = 0;
        while (stale < counts.Count && counts[stale].Day.DayNumber < oldest) stale++;
        if (stale > 0) counts.RemoveRange(0, stale);
    }

    /// <summary>Days kept before the newest: the engagement window and a day, since a clock may lag an event's day.</summary>
    private static readonly int KeptChannelDays = (int)EngagementWindow.TotalDays + 1;

    private void FoldLegacyChannelDays()
    {
        if (LegacyChannelDays is not { } legacy) return;
        LegacyChannelDays = null;
        foreach (var (day, channels) in legacy.OrderBy(kv => kv.Key))
            foreach (var (channel, count) in channels.OrderBy(kv => kv.Key, StringComparer.Ordinal)) Count(day, channel, count);
    }

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;
    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}

/// <summary>How many events a profile had on one UTC day through one channel.</summary>
[GenerateSerializer, Immutable]
public readonly record struct ChannelDay([property: Id(0)] DateOnly Day, [property: Id(1)] string Channel, [property: Id(2)] int Count);
