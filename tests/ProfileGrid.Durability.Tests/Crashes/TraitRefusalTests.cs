using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.Storage.Postgres.EventLog;

namespace ProfileGrid.Durability.Tests.Crashes;

/// <summary>
/// A trait observation is stored before it is applied. When the profile then certainly refuses it, it is taken
/// back out of storage, so that a profile re-derived from storage agrees with the live one; when the failure is
/// ambiguous (the call may have been applied), it stays.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class TraitRefusalTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task Traits_the_profile_refuses_are_taken_back_out_of_the_trait_log_and_ambiguous_failures_stay()
    {
        var run = $"traits{Guid.NewGuid():N}"[..13];
        var connectionString = await postgres.CreateDatabaseAsync("trait_refusal");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var crm = new IdentityKey("crmId", $"{run}-crm");
        var ingest = grid.Grains.GetGrain<IIngestGrain>(0);
        Assert.Equal(1, (await grid.Grains.IngestAll([People.Numbered(run, 0, "web.login", (crm.Namespace, crm.Value))])).Accepted);
        var at = DateTimeOffset.UtcNow;

        await ingest.SetTraits(crm, """{"tier": "plus"}""", at);
        using (CallFaults.Answer(nameof(IProfileGrain.SetTraits), ProfileOutcome.Conflicted("injected by the test: a writer that always wins")))
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ingest.SetTraits(crm, """{"tier": "gold"}""", at.AddMinutes(1)));
            Assert.Contains("send them again", refused.Message);
            Assert.True(CallFaults.Refused > 1);
        }
        using (CallFaults.Refuse(nameof(IProfileGrain.SetTraits), _ => true, times: 1))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => ingest.SetTraits(crm, """{"country": "FR"}""", at.AddMinutes(2)));
        }

        var stored = await grid.SiloServices.GetRequiredService<PostgresTraitLog>().ReadByIdentitiesAsync([new EventIdentity(crm.Namespace, crm.Value)]);
        Assert.Equal(["""{"tier": "plus"}""", """{"country": "FR"}"""], stored.Select(o => o.TraitsJson));
        var live = (await grid.Grains.Lookup(crm.Namespace, crm.Value))!;
        Assert.Equal("""{"tier":"plus"}""", live.TraitsJson);
    }
}
