using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.Storage;
using Xunit.Abstractions;

namespace ProfileGrid.Durability.Tests.Crashes;

[Collection(DurableCollection.Name)]
public sealed class SiloKillTests(PostgresServerFixture postgres, ITestOutputHelper output)
{
    [PostgresFact]
    public async Task Every_acknowledged_event_survives_a_silo_killed_during_ingestion_exactly_once()
    {
        const int people = 60, writers = 4, batchSize = 20, beforeKill = 400, afterKill = 600;
        var run = $"kill{Guid.NewGuid():N}"[..12];
        var connectionString = await postgres.CreateDatabaseAsync("silo_kill");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);

        var acknowledged = new ConcurrentDictionary<string, RawEvent>();
        var unacknowledged = new ConcurrentDictionary<string, RawEvent>();
        var failedCalls = 0;
        var rejections = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var batch = People.Batch(run, people, batchSize, random);
                // A caller that gets an error sends the same events again, as a real producer does.
                for (var attempt = 0; attempt < 20; attempt++)
                {
                    try
                    {
                        var result = await grid.Grains.GetGrain<IIngestGrain>(w).Ingest([.. batch]);
                        var rejected = result.Rejected.Select(r => r.EventId).ToHashSet();
                        foreach (var r in result.Rejected) rejections.Enqueue(r.Reason);
                        foreach (var e in batch)
                        {
                            if (rejected.Contains(e.Id)) unacknowledged[e.Id!] = e;
                            else { acknowledged[e.Id!] = e; unacknowledged.TryRemove(e.Id!, out _); }
                        }
                        break;
                    }
                    catch (Exception) when (attempt < 19)
                    {
                        Interlocked.Increment(ref failedCalls);
                        foreach (var e in batch) unacknowledged[e.Id!] = e;
                        await Task.Delay(100);
                    }
                }
            }
        })).ToList();

        await WaitUntil(() => acknowledged.Count >= beforeKill);
        var killed = grid.Cluster.SecondarySilos[0];
        await grid.Cluster.KillSiloAsync(killed);
        var atKill = acknowledged.Count;
        await WaitUntil(() => acknowledged.Count >= atKill + afterKill);
        stop.Cancel();
        await Task.WhenAll(workers);

        // Events that failed mid-stitch are stored (never lost) and applied by the recovery pass.
        var recovery = await grid.SiloServices.GetRequiredService<EventRecovery>().RecoverAsync(DateTimeOffset.UtcNow.AddMinutes(1));
        output.WriteLine($"acknowledged {acknowledged.Count}, failed calls {failedCalls}, unacknowledged {unacknowledged.Count}, recovery applied {recovery.Applied}");
        output.WriteLine($"rejected {rejections.Count}{string.Concat(rejections.Take(3).Select(r => $"; {r}"))}");

        // 1. Every acknowledged event is on the profile its person resolves to, exactly once.
        foreach (var e in acknowledged.Values)
        {
            var (ns, id) = People.LookupIdentity(e);
            var view = await grid.Grains.Lookup(ns, id);
            Assert.NotNull(view);
            Assert.Equal(1, view.Events.Count(x => x.Id == e.Id));
        }

        // 2. After one more sign-in per person (which completes any merge the kill cut short), every
        //    event the log holds is on exactly one profile, and every person is one profile.
        var random = new Random(7);
        for (var person = 0; person < people; person++)
        {
            var login = People.Event(run, person, 1, random);
            await grid.Grains.IngestAll([login]);
        }
        var holders = new Dictionary<string, string>();
        for (var person = 0; person < people; person++)
        {
            var byCrm = await grid.Grains.Lookup("crmId", People.Crm(run, person));
            var byDevice = await grid.Grains.Lookup("ecid", People.Device(run, person));
            Assert.NotNull(byCrm);
            Assert.Equal(byCrm.Id, byDevice?.Id);
            foreach (var e in byCrm.Events)
                Assert.True(holders.TryAdd(e.Id, byCrm.Id), $"event {e.Id} is on profile {byCrm.Id} and {holders.GetValueOrDefault(e.Id)}");
        }
        var stored = await StoredEventIds(connectionString);
        Assert.Equal(stored.Order(), holders.Keys.Order());
        Assert.Subset(stored.ToHashSet(), acknowledged.Keys.ToHashSet());
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("ingestion made no progress");
            await Task.Delay(50);
        }
    }

    private static async Task<List<string>> StoredEventIds(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT event_id FROM profilegrid_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }
}
