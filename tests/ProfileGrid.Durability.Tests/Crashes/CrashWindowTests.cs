using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.Storage;
using ProfileGrid.Storage.Postgres.EventLog;

namespace ProfileGrid.Durability.Tests.Crashes;

/// <summary>
/// A silo killed between storing an event and writing its profile leaves the event in the log with
/// its "not yet applied" marker. These tests create exactly that state, then check that neither a
/// re-send nor the recovery pass takes the event for a duplicate, and that it is applied once.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class CrashWindowTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task An_event_stored_by_a_silo_that_died_before_applying_it_is_applied_once_when_sent_again()
    {
        var run = $"resend{Guid.NewGuid():N}"[..13];
        var connectionString = await postgres.CreateDatabaseAsync("crash_window_resend");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var e = People.Event(run, 0, 2, new Random(1));
        await StoreAsIfTheSiloDied(grid, e);

        var resent = await grid.Grains.IngestAll([e]);
        var again = await grid.Grains.IngestAll([e]);
        var view = await grid.Grains.Lookup("crmId", People.Crm(run, 0));

        Assert.Equal((1, 0), (resent.Accepted, resent.Duplicates));
        Assert.Equal((0, 1), (again.Accepted, again.Duplicates));
        Assert.NotNull(view);
        Assert.Equal([e.Id], view.Events.Select(x => x.Id));
    }

    [PostgresFact]
    public async Task The_recovery_pass_applies_events_whose_silo_died_and_were_never_sent_again()
    {
        var run = $"recover{Guid.NewGuid():N}"[..14];
        var connectionString = await postgres.CreateDatabaseAsync("crash_window_recovery");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var random = new Random(2);
        var orphans = Enumerable.Range(0, 3).Select(n => People.Event(run, n, 2, random)).ToArray();
        foreach (var e in orphans) await StoreAsIfTheSiloDied(grid, e);
        var recovery = grid.SiloServices.GetRequiredService<EventRecovery>();

        var tooYoung = await recovery.RecoverAsync(DateTimeOffset.UtcNow.AddMinutes(-1));
        var recovered = await recovery.RecoverAsync(DateTimeOffset.UtcNow.AddMinutes(1));
        var nothingLeft = await recovery.RecoverAsync(DateTimeOffset.UtcNow.AddMinutes(1));
        var resent = await grid.Grains.IngestAll(orphans);

        Assert.Equal(new RecoveryReport(0, 0), tooYoung);
        Assert.Equal(new RecoveryReport(3, 0), recovered);
        Assert.Equal(new RecoveryReport(0, 0), nothingLeft);
        Assert.Equal((0, 3), (resent.Accepted, resent.Duplicates));
        for (var n = 0; n < orphans.Length; n++)
        {
            var view = await grid.Grains.Lookup("crmId", People.Crm(run, n));
            Assert.NotNull(view);
            Assert.Equal([orphans[n].Id], view.Events.Select(x => x.Id));
        }
    }

    /// <summary>What a silo leaves behind when killed right after the append: the event and its marker, no profile.</summary>
    private static async Task StoreAsIfTheSiloDied(DurableCluster grid, RawEvent e)
    {
        var log = grid.SiloServices.GetRequiredService<PostgresEventLog>();
        var appended = await log.AppendAsync([new LogEvent
        {
            EventId = e.Id!,
            Type = e.Type!,
            Timestamp = DateTimeOffset.Parse(e.Timestamp!, System.Globalization.CultureInfo.InvariantCulture),
            Identities = [.. e.Identities.Select(i => IdentityRules.Default.Normalize(i.Namespace, i.Id)).Select(k => new EventIdentity(k.Namespace, k.Value))],
            Channel = e.Channel,
            Revenue = e.Revenue,
            AttributesJson = e.AttributesJson,
        }]);
        Assert.Equal([AppendOutcome.Appended], appended);
    }
}
