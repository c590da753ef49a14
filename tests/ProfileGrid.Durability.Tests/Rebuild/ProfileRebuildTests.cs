using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.Storage;

namespace ProfileGrid.Durability.Tests.Rebuild;

[Collection(DurableCollection.Name)]
public sealed class ProfileRebuildTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task A_profile_rebuilt_from_the_event_log_equals_the_live_profile()
    {
        var run = $"rebuild{Guid.NewGuid():N}"[..14];
        var connectionString = await postgres.CreateDatabaseAsync("rebuild");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var random = new Random(3);
        // Five people who browse anonymously, sign in (linking device and CRM id), buy and come back.
        var events = Enumerable.Range(0, 120).Select(n => People.Event(run, n % 5, n / 5, random)).ToArray();
        foreach (var batch in events.Chunk(30))
            await grid.Grains.IngestAll(batch);

        var live = await grid.Grains.Lookup("crmId", People.Crm(run, 0));
        var rebuilt = await grid.SiloServices.GetRequiredService<ProfileRebuilder>()
            .Rebuild([IdentityRules.Default.Normalize("crmId", People.Crm(run, 0))]);

        Assert.NotNull(live);
        Assert.Equal(24, live.Events.Length);
        Assert.Equal(live.Identities.AsEnumerable(), rebuilt.Identities.AsEnumerable());
        var timeline = live.Events.Reverse().ToArray(); // a view lists the newest first
        Assert.Equal(timeline.Select(e => e.Id), rebuilt.Timeline.Select(e => e.Id));
        foreach (var (was, again) in timeline.Zip(rebuilt.Timeline))
        {
            Assert.Equal((was.Type, was.Timestamp, was.Channel, was.Campaign, was.Revenue), (again.Type, again.Timestamp, again.Channel, again.Campaign, again.Revenue));
            Assert.Equal(was.Identities.AsEnumerable(), again.Identities.AsEnumerable());
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(was.AttributesJson!), JsonNode.Parse(again.AttributesJson!)), $"attributes of {was.Id}");
        }
        var stats = rebuilt.Stats;
        Assert.Equal(
            (live.Stats.EventCount, live.Stats.FirstSeen, live.Stats.LastSeen, live.Stats.LifetimeRevenue, live.Stats.PurchaseCount, live.Stats.LastPurchaseAt),
            (stats.EventCount, stats.FirstSeen, stats.LastSeen, stats.LifetimeRevenue, stats.PurchaseCount, stats.LastPurchaseAt));
        Assert.Equal(live.Stats.CountsByType.ToDictionary(), stats.CountsByType);
        Assert.Equal(live.Stats.MostEngagedChannel, stats.MostEngagedChannel(DateTimeOffset.UtcNow));
        Assert.Equal(live.EventsDropped, rebuilt.EventsDropped);
    }
}
