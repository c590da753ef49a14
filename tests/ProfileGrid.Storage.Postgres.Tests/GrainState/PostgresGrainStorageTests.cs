using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using ProfileGrid.Storage.Postgres.GrainState;
using ProfileGrid.Storage.Postgres.Tests.Orleans;

namespace ProfileGrid.Storage.Postgres.Tests.GrainState;

/// <summary>
/// ProfileGrid's batched grain storage against the same database as Orleans' ADO.NET provider (the
/// cluster fixture's "postgres" storage): the same rows, the same ETag rules, writes sharing statements.
/// </summary>
public sealed class PostgresGrainStorageTests(OrleansCluster orleans) : IClassFixture<OrleansCluster>
{
    public static TheoryData<string> KeyKinds => ["string", "guid", "guid+extension", "integer+extension"];

    [PostgresTheory]
    [MemberData(nameof(KeyKinds))]
    public async Task A_row_Orleans_provider_wrote_is_read_and_updated_here_and_read_back_there(string kind)
    {
        await using var batched = Batched();
        var grainId = GrainOf(kind, "orleans-first");
        var written = new GrainState<ProbeState> { State = new ProbeState { Counter = 1 } };
        await OrleansStorage.WriteStateAsync("probe", grainId, written);

        var read = new GrainState<ProbeState>();
        await batched.ReadStateAsync("probe", grainId, read);
        read.State!.Counter = 2;
        await batched.WriteStateAsync("probe", grainId, read);
        var readBack = new GrainState<ProbeState>();
        await OrleansStorage.ReadStateAsync("probe", grainId, readBack);

        Assert.True(read.RecordExists);
        Assert.Equal("2", read.ETag);
        Assert.Equal(2, readBack.State!.Counter);
        Assert.Equal("2", readBack.ETag);
        Assert.Equal(1L, await RowsOf(grainId));
    }

    [PostgresTheory]
    [MemberData(nameof(KeyKinds))]
    public async Task A_row_first_written_here_is_the_row_Orleans_provider_reads_and_updates(string kind)
    {
        await using var batched = Batched();
        var grainId = GrainOf(kind, "batched-first");
        var written = new GrainState<ProbeState> { State = new ProbeState { Counter = 7 } };
        await batched.WriteStateAsync("probe", grainId, written);

        var read = new GrainState<ProbeState>();
        await OrleansStorage.ReadStateAsync("probe", grainId, read);
        var (readCounter, readEtag) = (read.State!.Counter, read.ETag);
        read.State!.Counter = 8;
        await OrleansStorage.WriteStateAsync("probe", grainId, read);
        var readBack = new GrainState<ProbeState>();
        await batched.ReadStateAsync("probe", grainId, readBack);

        Assert.Equal("1", written.ETag);
        Assert.Equal(7, readCounter);
        Assert.Equal("1", readEtag);
        Assert.Equal(8, readBack.State!.Counter);
        Assert.Equal("2", readBack.ETag);
        Assert.Equal(1L, await RowsOf(grainId));
    }

    [PostgresFact]
    public async Task A_state_never_written_reads_as_new_and_empty()
    {
        await using var batched = Batched();
        var state = new GrainState<ProbeState> { State = new ProbeState { Counter = 99 }, ETag = "5", RecordExists = true };

        await batched.ReadStateAsync("probe", GrainOf("guid", "never-written"), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal(0, state.State!.Counter);
    }

    [PostgresFact]
    public async Task A_stale_write_is_refused_and_leaves_the_row_as_it_was()
    {
        await using var batched = Batched();
        var grainId = GrainOf("string", "stale");
        var first = new GrainState<ProbeState> { State = new ProbeState { Counter = 1 } };
        await batched.WriteStateAsync("probe", grainId, first);
        var stale = new GrainState<ProbeState>();
        await batched.ReadStateAsync("probe", grainId, stale);
        first.State!.Counter = 2;
        await batched.WriteStateAsync("probe", grainId, first);

        stale.State!.Counter = 100;
        var refused = await Assert.ThrowsAsync<InconsistentStateException>(() => batched.WriteStateAsync("probe", grainId, stale));
        var stored = new GrainState<ProbeState>();
        await batched.ReadStateAsync("probe", grainId, stored);

        Assert.Contains("'probe'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("version 1", refused.Message, StringComparison.Ordinal);
        Assert.Equal("1", stale.ETag);
        Assert.Equal(2, stored.State!.Counter);
        Assert.Equal("2", stored.ETag);
        Assert.Equal(1, batched.Statistics.Conflicts);
    }

    [PostgresFact]
    public async Task A_first_write_of_a_state_that_is_already_stored_is_refused()
    {
        await using var batched = Batched();
        var grainId = GrainOf("guid", "already-stored");
        await batched.WriteStateAsync("probe", grainId, new GrainState<ProbeState> { State = new ProbeState { Counter = 1 } });

        var unaware = new GrainState<ProbeState> { State = new ProbeState { Counter = 50 } };
        await Assert.ThrowsAsync<InconsistentStateException>(() => batched.WriteStateAsync("probe", grainId, unaware));
        var stored = new GrainState<ProbeState>();
        await batched.ReadStateAsync("probe", grainId, stored);

        Assert.Equal(1, stored.State!.Counter);
        Assert.False(unaware.RecordExists);
    }

    [PostgresFact]
    public async Task Two_writers_of_one_new_state_at_once_end_with_one_stored_and_one_refused()
    {
        await using var batched = Batched();
        var grainId = GrainOf("integer+extension", "two-writers");
        var states = Enumerable.Range(1, 2).Select(i => new GrainState<ProbeState> { State = new ProbeState { Counter = i } }).ToArray();

        var outcomes = await Task.WhenAll(states.Select(async state =>
        {
            try
            {
                await batched.WriteStateAsync("probe", grainId, state);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));
        var stored = new GrainState<ProbeState>();
        await batched.ReadStateAsync("probe", grainId, stored);

        Assert.Single(outcomes, won => won);
        Assert.Equal(states[Array.IndexOf(outcomes, true)].State!.Counter, stored.State!.Counter);
        Assert.Equal("1", stored.ETag);
    }

    [PostgresFact]
    public async Task Writes_of_many_grains_at_once_share_statements()
    {
        await using var batched = Batched();
        var measured = new List<(int Rows, string Kind, string Outcome)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PostgresGrainStorage.MeterName && instrument.Name == "profilegrid.grain_state.statement_rows") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((_, rows, tags, _) =>
        {
            var all = tags.ToArray();
            var kind = (string)all.Single(t => t.Key == "kind").Value!;
            var outcome = (string)all.Single(t => t.Key == "outcome").Value!;
            lock (measured) measured.Add((rows, kind, outcome));
        });
        listener.Start();
        var states = Enumerable.Range(0, 400).Select(i => (Grain: GrainOf("guid", $"many-{i}"), State: new GrainState<ProbeState> { State = new ProbeState { Counter = i } })).ToArray();

        await Task.WhenAll(states.Select(s => batched.WriteStateAsync("probe", s.Grain, s.State)));
        var statistics = batched.Statistics;
        var reread = new GrainState<ProbeState>();
        await OrleansStorage.ReadStateAsync("probe", states[123].Grain, reread);

        Assert.All(states, s => Assert.Equal("1", s.State.ETag));
        Assert.Equal(400, statistics.Writes);
        Assert.InRange(statistics.Flushes, 1, 40);
        Assert.Equal(123, reread.State!.Counter);
        List<(int Rows, string Kind, string Outcome)> writes;
        lock (measured) writes = [.. measured.Where(m => m.Kind == "write")];
        Assert.Equal(statistics.Flushes, writes.Count);
        Assert.Equal(400, writes.Sum(m => m.Rows));
        Assert.All(writes, m => Assert.Equal("ok", m.Outcome));
    }

    [PostgresFact]
    public async Task Reads_of_many_grains_at_once_share_statements_and_each_gets_its_own_state()
    {
        await using var batched = Batched();
        var grains = Enumerable.Range(0, 300).Select(i => GrainOf("guid+extension", $"read-{i}")).ToArray();
        await Task.WhenAll(grains.Where((_, i) => i % 3 != 0).Select((grain, i) =>
            OrleansStorage.WriteStateAsync("probe", grain, new GrainState<ProbeState> { State = new ProbeState { Counter = 1000 + Array.IndexOf(grains, grain) } })));
        var asked = grains.Concat(grains.Take(10)).Select(grain => (Grain: grain, State: new GrainState<ProbeState>())).ToArray();

        await Task.WhenAll(asked.Select(a => batched.ReadStateAsync("probe", a.Grain, a.State)));
        var statistics = batched.Statistics;

        for (var i = 0; i < asked.Length; i++)
        {
            var index = i % grains.Length;
            var stored = index % 3 != 0;
            Assert.Equal(stored, asked[i].State.RecordExists);
            Assert.Equal(stored ? 1000 + index : 0, asked[i].State.State!.Counter);
            Assert.Equal(stored ? "1" : null, asked[i].State.ETag);
        }

        Assert.NotSame(asked[0].State.State, asked[grains.Length].State.State);
        Assert.Equal(310, statistics.Reads);
        Assert.InRange(statistics.ReadStatements, 1, 40);
    }

    [PostgresFact]
    public async Task Large_states_are_spread_over_more_statements()
    {
        await using var batched = Batched(new PostgresGrainStorageOptions { MaxRowsPerStatement = 50 });
        var states = Enumerable.Range(0, 20).Select(i => (Grain: GrainOf("guid", $"large-{i}"), State: new GrainState<byte[]> { State = new byte[40_000] })).ToArray();

        await Task.WhenAll(states.Select(s => batched.WriteStateAsync("probe", s.Grain, s.State)));
        var reread = new GrainState<byte[]>();
        await batched.ReadStateAsync("probe", states[7].Grain, reread);

        // A 40,000-byte state (more once serialized) counts at least 10 rows more, so a statement of 50 takes at most 5.
        Assert.InRange(batched.Statistics.Flushes, 4, 20);
        Assert.All(states, s => Assert.Equal("1", s.State.ETag));
        Assert.Equal(40_000, reread.State!.Length);
    }

    [PostgresFact]
    public async Task Clear_keeps_the_row_without_its_payload_and_a_stale_clear_is_refused()
    {
        await using var batched = Batched();
        var grainId = GrainOf("string", "cleared-here");
        var state = new GrainState<ProbeState> { State = new ProbeState { Counter = 5 } };
        await batched.WriteStateAsync("probe", grainId, state);
        var stale = new GrainState<ProbeState>();
        await batched.ReadStateAsync("probe", grainId, stale);
        state.State!.Counter = 6;
        await batched.WriteStateAsync("probe", grainId, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => batched.ClearStateAsync("probe", grainId, stale));
        await batched.ClearStateAsync("probe", grainId, state);
        var afterClear = new GrainState<ProbeState>();
        await OrleansStorage.ReadStateAsync("probe", grainId, afterClear);
        state.State!.Counter = 9;
        await batched.WriteStateAsync("probe", grainId, state);

        Assert.Equal(0, afterClear.State!.Counter);
        Assert.Equal("3", afterClear.ETag);
        Assert.Equal("4", state.ETag);
        Assert.Equal(1L, await RowsOf(grainId));
    }

    [PostgresFact]
    public async Task A_write_whose_statement_fails_gets_the_error_and_keeps_its_etag()
    {
        var silo = SiloServices;
        await using var unreachable = PostgresGrainStorage.Create(
            $"Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Database=none;Timeout=3",
            "probe-service", silo.GetRequiredService<IGrainStorageSerializer>(), silo.GetRequiredService<IActivatorProvider>());
        var state = new GrainState<ProbeState> { State = new ProbeState { Counter = 1 }, ETag = "4", RecordExists = true };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => unreachable.WriteStateAsync("probe", GrainOf("guid", "unreachable"), state));

        Assert.IsNotType<InconsistentStateException>(error);
        Assert.Equal("4", state.ETag);
        Assert.Equal(1, unreachable.Statistics.FailedFlushes);
    }

    [PostgresFact]
    public async Task A_state_name_or_etag_this_storage_cannot_key_is_refused_by_name()
    {
        await using var batched = Batched();
        var grainId = GrainOf("guid", "bad-input");

        var badName = await Assert.ThrowsAsync<ArgumentException>(() => batched.WriteStateAsync("probe`1", grainId, new GrainState<ProbeState>()));
        var badEtag = await Assert.ThrowsAsync<ArgumentException>(() => batched.WriteStateAsync("probe", grainId, new GrainState<ProbeState> { ETag = "W/abc" }));

        Assert.Equal("stateName", badName.ParamName);
        Assert.Contains("backtick", badName.Message, StringComparison.Ordinal);
        Assert.Equal("etag", badEtag.ParamName);
        Assert.Equal(0L, await RowsOf(grainId));
    }

    [PostgresFact]
    public async Task A_grain_key_PostgreSQL_cannot_store_is_refused_alone()
    {
        await using var batched = Batched();
        var good = GrainOf("string", "beside-a-nul");
        var nul = GrainId.Create("probe", "nul\0key");

        var writes = new[]
        {
            batched.WriteStateAsync("probe", nul, new GrainState<ProbeState> { State = new ProbeState { Counter = 1 } }),
            batched.WriteStateAsync("probe", good, new GrainState<ProbeState> { State = new ProbeState { Counter = 2 } }),
        };
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => writes[0]);
        await writes[1];

        Assert.Equal("grainId", refused.ParamName);
        Assert.Contains("NUL", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await RowsOf(good));
        Assert.Equal(0, batched.Statistics.FailedFlushes);
    }

    private static readonly GrainType ProbeType = GrainType.Create("probe");

    private IServiceProvider SiloServices => orleans.Cluster.GetSiloServiceProvider(orleans.Cluster.Silos[0].SiloAddress);

    private IGrainStorage OrleansStorage => SiloServices.GetRequiredKeyedService<IGrainStorage>(OrleansCluster.StorageName);

    private PostgresGrainStorage Batched(PostgresGrainStorageOptions? options = null) => PostgresGrainStorage.Create(
        orleans.ConnectionString,
        SiloServices.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
        SiloServices.GetRequiredService<IGrainStorageSerializer>(),
        SiloServices.GetRequiredService<IActivatorProvider>(),
        options);

    /// <summary>A grain id of each key kind Orleans' provider stores differently, unique per test and kind.</summary>
    private static GrainId GrainOf(string kind, string name)
    {
        var unique = $"{name}-{Guid.NewGuid():N}";
        return kind switch
        {
            "string" => GrainId.Create("probe", unique),
            "guid" => GrainId.Create(ProbeType, GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid())),
            "guid+extension" => GrainId.Create(ProbeType, GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid(), unique)),
            "integer+extension" => GrainId.Create(ProbeType, GrainIdKeyExtensions.CreateIntegerKey(Random.Shared.NextInt64(), unique)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a key kind"),
        };
    }

    private async Task<long> RowsOf(GrainId grainId)
    {
        var row = GrainStateRow.Of("probe", grainId);
        return await Sql.ScalarAsync<long>(orleans.ConnectionString,
            $"SELECT count(*) FROM OrleansStorage WHERE GrainIdN0 = {row.N0} AND GrainIdN1 = {row.N1} AND GrainIdExtensionString IS NOT DISTINCT FROM {(row.Extension is null ? "NULL" : $"'{row.Extension}'")}");
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
