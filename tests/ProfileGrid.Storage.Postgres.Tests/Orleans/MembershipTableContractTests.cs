using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;

namespace ProfileGrid.Storage.Postgres.Tests.Orleans;

/// <summary>
/// Orleans' AdoNetClusteringTable and AdoNetGatewayListProvider, driven directly, against our
/// clustering script: the membership protocol's conditional writes and the cleanup queries.
/// </summary>
public sealed class MembershipTableContractTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private static readonly DateTime Now = DateTime.UtcNow;

    [PostgresFact]
    public async Task Membership_rows_are_written_only_against_the_current_table_version()
    {
        var (table, _, _) = await CreateTableAsync();
        var empty = await table.ReadAllAsync();
        var silo = Entry(11111, SiloStatus.Joining);

        var inserted = await table.InsertRowAsync(silo, empty.Version.Next());
        var insertedAgainWithStaleVersion = await table.InsertRowAsync(Entry(22222, SiloStatus.Joining), empty.Version.Next());
        var afterInsert = await table.ReadAllAsync();
        var (row, etag) = Assert.Single(afterInsert.Members);

        silo.Status = SiloStatus.Active;
        silo.SuspectTimes = [Tuple.Create(Address(33333), Now.AddSeconds(-5))];
        var updated = await table.UpdateRowAsync(silo, etag, afterInsert.Version.Next());
        var updatedWithStaleVersion = await table.UpdateRowAsync(silo, etag, afterInsert.Version.Next());
        var afterUpdate = await table.ReadRowAsync(silo.SiloAddress);
        var (updatedRow, _) = Assert.Single(afterUpdate.Members);

        Assert.Equal(0, empty.Version.Version);
        Assert.Empty(empty.Members);
        Assert.True(inserted);
        Assert.False(insertedAgainWithStaleVersion);
        Assert.Equal(1, afterInsert.Version.Version);
        Assert.Equal(silo.SiloAddress, row.SiloAddress);
        Assert.Equal(silo.SiloName, row.SiloName);
        Assert.Equal(silo.HostName, row.HostName);
        Assert.Equal(silo.ProxyPort, row.ProxyPort);
        Assert.Equal(silo.StartTime, row.StartTime, TimeSpan.FromMilliseconds(1));
        Assert.Equal(silo.IAmAliveTime, row.IAmAliveTime, TimeSpan.FromMilliseconds(1));
        Assert.True(updated);
        Assert.False(updatedWithStaleVersion);
        Assert.Equal(2, afterUpdate.Version.Version);
        Assert.Equal(SiloStatus.Active, updatedRow.Status);
        Assert.NotNull(updatedRow.SuspectTimes);
        var suspicion = Assert.Single(updatedRow.SuspectTimes);
        Assert.Equal(Address(33333), suspicion.Item1);
    }

    [PostgresFact]
    public async Task Heartbeat_moves_i_am_alive_time_without_changing_the_version()
    {
        var (table, _, _) = await CreateTableAsync();
        var silo = Entry(11111, SiloStatus.Active);
        await table.InsertRowAsync(silo, (await table.ReadAllAsync()).Version.Next());

        silo.IAmAliveTime = Now.AddMinutes(3);
        await table.UpdateIAmAliveAsync(silo);
        var read = await table.ReadRowAsync(silo.SiloAddress);

        Assert.Equal(1, read.Version.Version);
        Assert.Equal(Now.AddMinutes(3), Assert.Single(read.Members).Item1.IAmAliveTime, TimeSpan.FromMilliseconds(1));
    }

    [PostgresFact]
    public async Task Cleanup_removes_only_dead_silos_older_than_the_cut_off()
    {
        var (table, connectionString, clusterId) = await CreateTableAsync();
        var active = Entry(11111, SiloStatus.Active);
        var longDead = Entry(22222, SiloStatus.Dead, startedAgo: TimeSpan.FromDays(3));
        var recentlyDead = Entry(33333, SiloStatus.Dead);
        foreach (var entry in new[] { active, longDead, recentlyDead })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        await table.CleanupDefunctSiloEntriesAsync(Now.AddDays(-1));
        var remaining = (await table.ReadAllAsync()).Members.Select(member => member.Item1.SiloAddress).ToList();
        await table.DeleteMembershipTableEntriesAsync(clusterId);

        Assert.Equal([active.SiloAddress, recentlyDead.SiloAddress], remaining.OrderBy(address => address.Endpoint.Port));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM OrleansMembershipTable"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM OrleansMembershipVersionTable"));
    }

    [PostgresFact]
    public async Task Gateway_list_holds_active_silos_with_a_gateway_port()
    {
        var (table, connectionString, clusterId) = await CreateTableAsync();
        var gateway = Entry(11111, SiloStatus.Active);
        var joining = Entry(22222, SiloStatus.Joining);
        var noGateway = Entry(33333, SiloStatus.Active);
        noGateway.ProxyPort = 0;
        foreach (var entry in new[] { gateway, joining, noGateway })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        var provider = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new AdoNetClusteringClientOptions { Invariant = OrleansAdoNet.Invariant, ConnectionString = connectionString }),
            Options.Create(new GatewayOptions()),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "membership-contract" }));
        await provider.InitializeGatewayListProvider();
        var gateways = await provider.GetGateways();

        Assert.Equal([SiloAddress.New(new IPEndPoint(IPAddress.Loopback, gateway.ProxyPort), gateway.SiloAddress.Generation).ToGatewayUri()], gateways);
    }

    private async Task<(AdoNetClusteringTable Table, string ConnectionString, string ClusterId)> CreateTableAsync()
    {
        // A session time zone far from UTC catches timestamps written or read as local time.
        var connectionString = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync("membership"))
        {
            Options = "-c TimeZone=America/St_Johns",
        }.ConnectionString;
        await new PostgresSchemaMigrator(connectionString).MigrateAsync();
        var clusterId = "cluster-" + Guid.NewGuid().ToString("N")[..8];
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "membership-contract" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = OrleansAdoNet.Invariant, ConnectionString = connectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return (table, connectionString, clusterId);
    }

    private static SiloAddress Address(int port) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 42);

    private static MembershipEntry Entry(int port, SiloStatus status, TimeSpan? startedAgo = null)
    {
        var started = Now - (startedAgo ?? TimeSpan.FromMinutes(1));
        return new MembershipEntry
        {
            SiloAddress = Address(port),
            SiloName = $"silo-{port}",
            HostName = "host-a",
            Status = status,
            ProxyPort = port + 1,
            StartTime = started,
            IAmAliveTime = started.AddSeconds(30),
        };
    }
}
