namespace ProfileGrid.Domain.UnitTests.Profiles;

public class ProfileStatsTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static int _next;

    private static CustomerEvent E(string type, DateTimeOffset at, string? channel = null, double? revenue = null) => new()
    {
        Id = $"e{Interlocked.Increment(ref _next)}",
        Type = type,
        Timestamp = at,
        Identities = [new IdentityKey("crmId", "A")],
        Channel = channel,
        Revenue = revenue,
    };

    private static DateTimeOffset DaysAgo(double days) => Now.AddDays(-days);

    /// <summary>A mixed history: purchases with revenue, other events with and without revenue and channels.</summary>
    private static List<CustomerEvent> History() =>
    [
        E("web.pageView", DaysAgo(200), "web"),
        E("commerce.purchase", DaysAgo(150), "inStore", 80),
        E("email.open", DaysAgo(60), "email"),
        E("commerce.purchase", DaysAgo(30), "web", 45.5),
        E("web.pageView", DaysAgo(29), "web"),
        E("commerce.refund", DaysAgo(20), "web", -10.25),
        E("push.open", DaysAgo(10), "push"),
        E("commerce.purchase", DaysAgo(5), "mobile", 39.75),
        E("call.inbound", DaysAgo(2), null),
    ];

    /// <summary>Every observable of the stats, for comparing two of them.</summary>
    private static string Snapshot(ProfileStats s) => string.Join("|",
        s.EventCount,
        string.Join(",", s.CountsByType.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")),
        s.FirstSeen?.ToString("O", CultureInfo.InvariantCulture),
        s.LastSeen?.ToString("O", CultureInfo.InvariantCulture),
        s.LifetimeRevenue.ToString("R", CultureInfo.InvariantCulture),
        s.PurchaseCount,
        s.LastPurchaseAt?.ToString("O", CultureInfo.InvariantCulture),
        string.Join(",", s.ChannelCounts.Select(c => $"{c.Day:yyyy-MM-dd}/{c.Channel}={c.Count}")),
        s.MostEngagedChannel(Now));

    [Fact]
    public void Empty_stats_have_nothing()
    {
        var stats = new ProfileStats();
        Assert.Equal(0, stats.EventCount);
        Assert.Empty(stats.CountsByType);
        Assert.Null(stats.FirstSeen);
        Assert.Null(stats.LastSeen);
        Assert.Equal(0, stats.LifetimeRevenue);
        Assert.Equal(0, stats.PurchaseCount);
        Assert.Null(stats.LastPurchaseAt);
        Assert.Null(stats.MostEngagedChannel(Now));
    }

    [Fact]
    public void Events_are_counted_by_type()
    {
        var stats = ProfileStats.From(History());
        Assert.Equal(9, stats.EventCount);
        Assert.Equal(3, stats.CountsByType["commerce.purchase"]);
        Assert.Equal(2, stats.CountsByType["web.pageView"]);
        Assert.Equal(1, stats.CountsByType["commerce.refund"]);
        Assert.Equal(1, stats.CountsByType["call.inbound"]);
        Assert.Equal(6, stats.CountsByType.Count);
        Assert.Equal(stats.EventCount, stats.CountsByType.Values.Sum());
    }

    [Fact]
    public void First_and_last_seen_are_the_earliest_and_latest_timestamps_whatever_the_order()
    {
        var history = History();
        history.Reverse();
        var stats = ProfileStats.From(history);
        Assert.Equal(DaysAgo(200), stats.FirstSeen);
        Assert.Equal(DaysAgo(2), stats.LastSeen);
    }

    [Fact]
    public void Lifetime_revenue_adds_the_revenue_of_every_event_including_refunds()
    {
        Assert.Equal(80 + 45.5 - 10.25 + 39.75, ProfileStats.From(History()).LifetimeRevenue);
    }

    [Fact]
    public void Purchases_are_the_commerce_purchase_events_and_the_last_one_is_the_latest()
    {
        var history = History();
        history.Reverse();
        var stats = ProfileStats.From(history);
        Assert.Equal(3, stats.PurchaseCount);
        Assert.Equal(DaysAgo(5), stats.LastPurchaseAt);
    }

    [Fact]
    public void Events_of_other_types_are_not_purchases_even_with_revenue()
    {
        var stats = ProfileStats.From([E("commerce.refund", DaysAgo(1), "web", 20), E("commerce.Purchase", DaysAgo(1), "web", 5)]);
        Assert.Equal(0, stats.PurchaseCount);
        Assert.Null(stats.LastPurchaseAt);
        Assert.Equal(25, stats.LifetimeRevenue);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(9)]
    public void Merge_of_two_parts_equals_the_stats_of_all_events(int split)
    {
        var history = History();
        var left = ProfileStats.From(history.Take(split));
        var right = ProfileStats.From(history.Skip(split));

        left.Merge(right);

        Assert.Equal(Snapshot(ProfileStats.From(history)), Snapshot(left));
    }

    [Fact]
    public void Merge_of_interleaved_parts_equals_the_stats_of_all_events()
    {
        var history = History();
        var even = ProfileStats.From(history.Where((_, i) => i % 2 == 0));
        var odd = ProfileStats.From(history.Where((_, i) => i % 2 == 1));
        odd.Merge(even);
        Assert.Equal(Snapshot(ProfileStats.From(history)), Snapshot(odd));
    }

    [Fact]
    public void Merge_into_empty_stats_copies_them()
    {
        var empty = new ProfileStats();
        empty.Merge(ProfileStats.From(History()));
        Assert.Equal(Snapshot(ProfileStats.From(History())), Snapshot(empty));
    }

    [Fact]
    public void Most_engaged_channel_counts_the_90_days_before_now_only()
    {
        var stats = ProfileStats.From(
        [
            // Long ago the person lived on the web...
            E("web.pageView", DaysAgo(120), "web"), E("web.pageView", DaysAgo(100), "web"),
            E("web.pageView", DaysAgo(95), "web"), E("web.pageView", DaysAgo(91), "web"),
            // ...lately on push, and in the last days on the web again.
            E("push.open", DaysAgo(31), "push"), E("push.open", DaysAgo(30), "push"), E("push.open", DaysAgo(3), "push"),
            E("web.pageView", DaysAgo(2), "web"), E("web.pageView", DaysAgo(1), "web"),
        ]);
        Assert.Equal("push", stats.MostEngagedChannel(Now));
        // Sixty-one days on, the first two push days have left the window.
        Assert.Equal("web", stats.MostEngagedChannel(Now.AddDays(61)));
    }

    [Fact]
    public void Most_engaged_channel_counts_an_event_exactly_90_days_old()
    {
        var stats = ProfileStats.From([E("email.open", DaysAgo(90), "email"), E("web.pageView", DaysAgo(1), "web")]);
        Assert.Equal("email", stats.MostEngagedChannel(Now));
        Assert.Equal("web", stats.MostEngagedChannel(Now.AddDays(1)));
    }

    [Theory]
    [InlineData("push email", "email")]
    [InlineData("web email push", "email")]
    [InlineData("sms push", "push")]
    [InlineData("web mobile", "mobile")]
    public void Most_engaged_channel_ties_resolve_alphabetically(string channels, string expected)
    {
        var events = channels.Split(' ').SelectMany(c => new[] { E("x.y", DaysAgo(3), c), E("x.y", DaysAgo(4), c) });
        Assert.Equal(expected, ProfileStats.From(events).MostEngagedChannel(Now));
    }

    [Fact]
    public void Events_without_a_channel_do_not_count_for_engagement()
    {
        var stats = ProfileStats.From([E("call.inbound", DaysAgo(1)), E("call.inbound", DaysAgo(2))]);
        Assert.Null(stats.MostEngagedChannel(Now));
        Assert.Empty(stats.ChannelCounts);
    }

    [Fact]
    public void Channel_days_further_back_than_the_window_before_the_newest_are_forgotten()
    {
        var stats = ProfileStats.From(History());
        var newest = DateOnly.FromDateTime(History().Max(e => e.Timestamp).UtcDateTime);

        Assert.All(stats.ChannelCounts, c => Assert.True(c.Day.DayNumber >= newest.DayNumber - 91));
        Assert.DoesNotContain(stats.ChannelCounts, c => c.Day == DateOnly.FromDateTime(DaysAgo(150).UtcDateTime));
        Assert.DoesNotContain(stats.ChannelCounts, c => c.Day == DateOnly.FromDateTime(DaysAgo(200).UtcDateTime));
        Assert.Contains(stats.ChannelCounts, c => c.Day == DateOnly.FromDateTime(DaysAgo(60).UtcDateTime) && c.Channel == "email");
        // Ordered by day, then channel.
        Assert.Equal(stats.ChannelCounts.OrderBy(c => c.Day).ThenBy(c => c.Channel, StringComparer.Ordinal), stats.ChannelCounts);
        // Forgetting touches engagement only: counts, revenue and purchases are for the whole life.
        Assert.Equal(History().Count, stats.EventCount);
        Assert.Equal(3, stats.PurchaseCount);

        // A late event older than any clock can reach again is counted in the totals and not by day.
        stats.Add(E("web.pageView", DaysAgo(400), "kiosk"));
        Assert.DoesNotContain(stats.ChannelCounts, c => c.Channel == "kiosk");
        Assert.Equal(History().Count + 1, stats.EventCount);
    }

    [Fact]
    public void Events_out_of_order_on_the_same_day_and_channel_add_up_in_one_count()
    {
        var stats = ProfileStats.From([
            E("web.pageView", DaysAgo(3), "web"), E("web.pageView", DaysAgo(1), "web"),
            E("web.pageView", DaysAgo(3).AddHours(1), "web"), E("email.open", DaysAgo(3), "email"), E("web.pageView", DaysAgo(2), "web")]);

        Assert.Equal(
            [(DaysAgo(3), "email", 1), (DaysAgo(3), "web", 2), (DaysAgo(2), "web", 1), (DaysAgo(1), "web", 1)],
            stats.ChannelCounts.Select(c => (new DateTimeOffset(c.Day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero), c.Channel, c.Count)));
        Assert.Equal("web", stats.MostEngagedChannel(Now));
    }

    [Fact]
    public void Per_day_dictionaries_of_a_state_stored_before_are_folded_into_the_channel_counts()
    {
        var day = new DateOnly(2026, 5, 30);
        var stats = new ProfileStats
        {
            LegacyChannelDays = new()
            {
                [day] = new(StringComparer.Ordinal) { ["web"] = 2, ["email"] = 1 },
                [day.AddDays(1)] = new(StringComparer.Ordinal) { ["email"] = 2 },
            },
        };

        Assert.Equal("email", stats.MostEngagedChannel(Now));
        Assert.Null(stats.LegacyChannelDays);
        Assert.Equal([new ChannelDay(day, "email", 1), new ChannelDay(day, "web", 2), new ChannelDay(day.AddDays(1), "email", 2)], stats.ChannelCounts);
        stats.Add(E("web.pageView", Now, "web"));
        Assert.Equal(4, stats.ChannelCounts.Count);
    }

    [Fact]
    public void Channel_days_are_UTC_days()
    {
        var lateEvening = new DateTimeOffset(2026, 5, 31, 23, 30, 0, TimeSpan.FromHours(-7)); // 2026-06-01 06:30 UTC
        var stats = ProfileStats.From([E("web.pageView", lateEvening, "web")]);
        Assert.Equal(new[] { new DateOnly(2026, 6, 1) }, stats.ChannelCounts.Select(c => c.Day));
    }
}
