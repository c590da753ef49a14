using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace ProfileGrid.Storage.Postgres.Tests.Orleans;

/// <summary>
/// Orleans' own ADO.NET clustering, grain persistence and reminder providers running against
/// the schema under schema/postgres.
/// </summary>
public sealed class OrleansAdoNetClusterTests(OrleansCluster orleans) : IClassFixture<OrleansCluster>
{
    private TestCluster Cluster => orleans.Cluster;

    [PostgresFact]
    public async Task Two_silos_join_through_the_membership_table()
    {
        var management = Cluster.GrainFactory.GetGrain<IManagementGrain>(0);

        var hosts = await management.GetHosts(onlyActive: true);

        Assert.Equal(2, hosts.Count);
        Assert.Equal(
            2L,
            await Sql.ScalarAsync<long>(orleans.ConnectionString, "SELECT count(*) FROM OrleansMembershipTable WHERE Status = 3"));
    }

    [PostgresFact]
    public async Task Grain_state_survives_deactivation()
    {
        var grain = Cluster.GrainFactory.GetGrain<IProbeGrain>("survives-deactivation");
        await grain.Increment();
        await grain.Increment();

        await grain.Deactivate();
        var reloaded = await grain.GetState();

        Assert.Equal(2, reloaded.Counter);
        Assert.Equal(
            2,
            await Sql.ScalarAsync<int>(orleans.ConnectionString, "SELECT Version FROM OrleansStorage WHERE GrainIdExtensionString = 'survives-deactivation'"));
    }

    [PostgresFact]
    public async Task Stale_writer_gets_an_inconsistent_state_exception()
    {
        var storage = Storage(OrleansCluster.StorageName);
        var grainId = GrainId.Create("probe", "stale-writer");
        var first = new GrainState<ProbeState>();
        var second = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, first);
        await storage.ReadStateAsync("probe", grainId, second);

        first.State = new ProbeState { Counter = 1 };
        await storage.WriteStateAsync("probe", grainId, first);
        second.State = new ProbeState { Counter = 100 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", grainId, second));

        var current = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, current);
        Assert.Equal(1, current.State!.Counter);
        Assert.Equal(first.ETag, current.ETag);
    }

    [PostgresFact]
    public async Task Updating_with_a_stale_etag_after_another_update_is_rejected()
    {
        var storage = Storage(OrleansCluster.StorageName);
        var grainId = GrainId.Create("probe", "stale-update");
        var writer = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, writer);
        await storage.WriteStateAsync("probe", grainId, writer);
        var stale = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, stale);

        writer.State = new ProbeState { Counter = 2 };
        await storage.WriteStateAsync("probe", grainId, writer);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", grainId, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("probe", grainId, stale));
    }

    [PostgresFact]
    public async Task Cleared_state_keeps_its_row_and_can_be_written_again()
    {
        var storage = Storage(OrleansCluster.StorageName);
        var grainId = GrainId.Create("probe", "cleared");
        var state = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, state);
        state.State = new ProbeState { Counter = 5 };
        await storage.WriteStateAsync("probe", grainId, state);

        await storage.ClearStateAsync("probe", grainId, state);
        var afterClear = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, afterClear);
        state.State = new ProbeState { Counter = 6 };
        await storage.WriteStateAsync("probe", grainId, state);
        var afterRewrite = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, afterRewrite);

        Assert.Equal(0, afterClear.State!.Counter);
        Assert.Equal(6, afterRewrite.State!.Counter);
        Assert.Equal("3", afterRewrite.ETag);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(orleans.ConnectionString, "SELECT count(*) FROM OrleansStorage WHERE GrainIdExtensionString = 'cleared'"));
    }

    [PostgresFact]
    public async Task Delete_on_clear_removes_the_row_and_allows_a_fresh_write()
    {
        var storage = Storage(OrleansCluster.DeletingStorageName);
        var grainId = GrainId.Create("probe", "deleted-on-clear");
        var state = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, state);
        state.State = new ProbeState { Counter = 7 };
        await storage.WriteStateAsync("probe", grainId, state);

        await storage.ClearStateAsync("probe", grainId, state);
        var rowsAfterClear = await Sql.ScalarAsync<long>(orleans.ConnectionString, "SELECT count(*) FROM OrleansStorage WHERE GrainIdExtensionString = 'deleted-on-clear'");
        state.State = new ProbeState { Counter = 8 };
        await storage.WriteStateAsync("probe", grainId, state);
        var reread = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", grainId, reread);

        Assert.Equal(0L, rowsAfterClear);
        Assert.Equal(8, reread.State!.Counter);
    }

    [PostgresFact]
    public async Task Reminder_is_stored_listed_and_fires()
    {
        var grain = Cluster.GrainFactory.GetGrain<IProbeGrain>("reminded");

        await grain.StartReminder(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
        var listed = await grain.ListReminders();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await grain.GetState()).ReminderTicks == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var ticks = (await grain.GetState()).ReminderTicks;
        var stored = await Sql.ScalarAsync<long>(orleans.ConnectionString, "SELECT count(*) FROM OrleansRemindersTable WHERE ReminderName = 'tick'");
        await grain.StopReminder();

        Assert.Equal([ProbeGrain.ReminderName], listed);
        Assert.Equal(1L, stored);
        Assert.True(ticks > 0, "the reminder did not fire within 20 s");
        Assert.Empty(await grain.ListReminders());
    }

    [PostgresFact]
    public async Task Reminder_table_reads_rows_by_grain_by_name_and_by_hash_range()
    {
        var table = SiloServices.GetRequiredService<IReminderTable>();
        var grainId = GrainId.Create("probe", "reminder-table");
        var entry = new ReminderEntry { GrainId = grainId, ReminderName = "contract", StartAt = DateTime.UtcNow, Period = TimeSpan.FromDays(40) };

        var etag = await table.UpsertRow(entry);
        var byGrain = await table.ReadRows(grainId);
        var byName = await table.ReadRow(grainId, "contract");
        var hash = grainId.GetUniformHashCode();
        var inRange = await table.ReadRows(hash - 1, hash);
        var inWrappedRange = await table.ReadRows(hash, hash - 1);
        var outOfRange = await table.ReadRows(hash, hash + 1);
        var secondEtag = await table.UpsertRow(entry);
        var staleDelete = await table.RemoveRow(grainId, "contract", etag!);
        var delete = await table.RemoveRow(grainId, "contract", secondEtag!);

        Assert.Single(byGrain.Reminders);
        Assert.NotNull(byName);
        Assert.Equal(entry.Period, byName.Period);
        Assert.Equal(entry.StartAt, byName.StartAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(etag, byName.ETag);
        Assert.Contains(inRange.Reminders, r => r.ReminderName == "contract");
        Assert.DoesNotContain(inWrappedRange.Reminders, r => r.ReminderName == "contract" && r.GrainId == grainId);
        Assert.DoesNotContain(outOfRange.Reminders, r => r.ReminderName == "contract" && r.GrainId == grainId);
        Assert.NotEqual(etag, secondEtag);
        Assert.False(staleDelete);
        Assert.True(delete);
    }

    private IServiceProvider SiloServices => Cluster.GetSiloServiceProvider(Cluster.Silos[0].SiloAddress);

    private IGrainStorage Storage(string name) => SiloServices.GetRequiredKeyedService<IGrainStorage>(name);
}
