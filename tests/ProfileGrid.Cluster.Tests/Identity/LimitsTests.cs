namespace ProfileGrid.Cluster.Tests.Identity;

public sealed class LimitsTests(SmallLimitsClusterFixture fixture) : IClassFixture<SmallLimitsClusterFixture>
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Graph_over_its_limit_drops_the_oldest_link_reports_it_and_splits_off_what_fell_away()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var t = DateTimeOffset.UtcNow.AddDays(-1);
        var email = $"limit-{run}@luma.example";
        for (var i = 0; i < 3; i++)
            await _grains.IngestAccepted(Grid.Event("web.login", t.AddMinutes(i), ("email", email), ("ecid", $"{run}-d{i}")));

        var result = await _grains.Ingest(Grid.Event("web.login", t.AddMinutes(10), ("email", email), ("ecid", $"{run}-d3")));

        Assert.Equal(1, result.Accepted);
        Assert.Contains(result.Warnings, w => w.Message.Contains("limit of 4 identities") && w.Message.Contains($"ecid:{run}-d0"));
        var person = (await _grains.Lookup("email", email))!;
        Assert.Equal(4, person.Identities.Length);
        Assert.Equal(1, person.LinksDropped);
        Assert.DoesNotContain($"ecid:{run}-d0", person.Ids());
        var fallen = (await _grains.Lookup("ecid", $"{run}-d0"))!;
        Assert.NotEqual(person.Id, fallen.Id);
    }

    [Fact]
    public async Task Timeline_keeps_the_newest_events_and_counts_the_dropped_ones_in_stats()
    {
        var (email, events) = EightPurchases("timeline");
        var result = await _grains.Ingest(events);
        Assert.Equal(8, result.Accepted);
        Assert.Contains(result.Warnings, w => w.Message.Contains("limit of 5 events"));

        var view = (await _grains.Lookup("email", email))!;
        Assert.Equal(5, view.EventsKept);
        Assert.Equal(3, view.EventsDropped);
        Assert.Equal(events.Skip(3).Select(e => e.Id).Reverse(), view.Events.Select(e => e.Id));
        Assert.Equal(8, view.Stats.EventCount);
        Assert.Equal(80, view.Stats.LifetimeRevenue);
        Assert.Equal(8, view.Stats.PurchaseCount);
    }

    [Fact]
    public async Task An_event_sent_again_after_it_fell_off_the_timeline_is_still_a_duplicate()
    {
        var (email, events) = EightPurchases("resend");
        Assert.Equal(8, (await _grains.Ingest(events)).Accepted);

        // The profile no longer holds the first three: only the journal knows they were applied.
        var again = await _grains.Ingest([events[0], events[2], events[7]]);
        var view = (await _grains.Lookup("email", email))!;

        Assert.Equal((0, 3), (again.Accepted, again.Duplicates));
        Assert.Equal(8, view.Stats.EventCount);
        Assert.Equal(80, view.Stats.LifetimeRevenue);
        Assert.Equal(3, view.EventsDropped);
    }

    [Fact]
    public async Task Stats_stay_exact_when_events_arrive_one_at_a_time_past_the_timeline_limit_with_lookups_between()
    {
        var email = $"stats-{Guid.NewGuid():N}@luma.example";
        var t = DateTimeOffset.UtcNow.AddDays(-1);
        for (var i = 0; i < 8; i++)
        {
            // Every lookup computes the stats; the next event must add to them, not recount or skip.
            var type = i % 2 == 0 ? "commerce.purchase" : "web.pageView";
            await _grains.IngestAccepted(Grid.Event(type, t.AddMinutes(i), ("email", email)) with { Revenue = i + 1 });
            var view = (await _grains.Lookup("email", email))!;
            Assert.Equal(i + 1, view.Stats.EventCount);
            Assert.Equal((i + 1) * (i + 2) / 2, view.Stats.LifetimeRevenue);
            Assert.Equal(i / 2 + 1, view.Stats.PurchaseCount);
            Assert.Equal(t, view.Stats.FirstSeen);
            Assert.Equal(t.AddMinutes(i), view.Stats.LastSeen);
        }

        // An event older than the whole (full) timeline falls off at once and still counts.
        await _grains.IngestAccepted(Grid.Event("commerce.purchase", t.AddHours(-1), ("email", email)) with { Revenue = 100 });
        var last = (await _grains.Lookup("email", email))!;
        Assert.Equal(5, last.EventsKept);
        Assert.Equal(4, last.EventsDropped);
        Assert.Equal(9, last.Stats.EventCount);
        Assert.Equal(136, last.Stats.LifetimeRevenue);
        Assert.Equal(5, last.Stats.PurchaseCount);
        Assert.Equal(t.AddHours(-1), last.Stats.FirstSeen);
    }

    /// <summary>A new person's eight purchases of 10 a minute apart, yesterday: three more than the timeline keeps.</summary>
    private static (string Email, RawEvent[] Events) EightPurchases(string name)
    {
        var email = $"{name}-{Guid.NewGuid():N}@luma.example";
        var t = DateTimeOffset.UtcNow.AddDays(-1);
        return (email, [.. Enumerable.Range(0, 8).Select(i => Grid.Event("commerce.purchase", t.AddMinutes(i), ("email", email)) with { Revenue = 10 })]);
    }
}
