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
        // Traits through two of person 0's identities, one of them newer for the same attribute, and a removal.
        var ingest = grid.Grains.GetGrain<IIngestGrain>(0);
        var crm = IdentityRules.Default.Normalize("crmId", People.Crm(run, 0));
        var since = DateTimeOffset.UtcNow.AddHours(-1);
        await ingest.SetTraits(crm, """{"tier": "plus", "city": "Lyon", "nickname": "S"}""", since);
        var otherIdentity = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!.Identities.First(i => i != crm);
        await ingest.SetTraits(otherIdentity, """{"tier": "gold", "nickname": null}""", since.AddMinutes(5));
        await ingest.SetTraits(crm, """{"city": "Paris"}""", since.AddMinutes(-5)); // older: loses to Lyon

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
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"tier": "gold", "city": "Lyon"}"""), rebuilt.Traits.ToJson()), rebuilt.Traits.ToJson().ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(live.TraitsJson), rebuilt.Traits.ToJson()), live.TraitsJson);
    }

    [PostgresFact]
    public async Task Traits_the_log_cannot_store_are_refused_naming_the_field_and_the_profile_keeps_its_traits()
    {
        var run = $"badtraits{Guid.NewGuid():N}"[..14];
        await using var grid = await DurableCluster.StartAsync(await postgres.CreateDatabaseAsync("badtraits"), run);
        var ingest = grid.Grains.GetGrain<IIngestGrain>(0);
        var crm = IdentityRules.Default.Normalize("crmId", People.Crm(run, 0));
        await ingest.SetTraits(crm, """{"name": "Sarah"}""", DateTimeOffset.UtcNow.AddMinutes(-1));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => ingest.SetTraits(crm, """{"name": "Sa\u0000rah"}""", DateTimeOffset.UtcNow));

        Assert.StartsWith("traits: contains an escaped U+0000", error.Message);
        var person = await grid.Grains.Lookup("crmId", People.Crm(run, 0));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"name": "Sarah"}"""), JsonNode.Parse(person!.TraitsJson)), person.TraitsJson);
    }
}
