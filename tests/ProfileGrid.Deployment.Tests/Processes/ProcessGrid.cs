using ProfileGrid.Client.Extensions;
using ProfileGrid.Hosting;
using ProfileGrid.Silo.Extensions;
using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Deployment.Tests.Processes;

/// <summary>
/// Silo processes and a gateway process on loopback, clustered through one PostgreSQL database,
/// each on ports of its own. A silo restarts on the same ports, as a restarted node would.
/// </summary>
internal sealed class ProcessGrid : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly Dictionary<string, string> common;
    private readonly List<SiloSlot> silos = [];

    public ProcessGrid(string connectionString, TimeSpan shutdownTimeout, TimeSpan drainDelay)
    {
        ClusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        common = new Dictionary<string, string>
        {
            [ProfileGridStorageSettings.StorageKey] = nameof(StorageMode.Postgres),
            [ProfileGridStorageSettings.ConnectionStringKey] = connectionString,
            [ProfileGridStorageSettings.ClusterIdKey] = ClusterId,
            [ProfileGridOperationsSettings.ShutdownTimeoutKey] = shutdownTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ProfileGridOperationsSettings.DrainDelayKey] = drainDelay.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    public string ClusterId { get; }

    /// <summary>For health polling and setup calls; the load of a test uses clients of its own.</summary>
    public HttpClient Http { get; }

    public IReadOnlyList<HostProcess> Silos => silos.Select(s => s.Process!).ToList();

    public HostProcess? Gateway { get; private set; }

    public HostProcess StartSilo()
    {
        var slot = new SiloSlot($"silo{silos.Count + 1}", LoopbackPorts.Next(), LoopbackPorts.Next(), LoopbackPorts.Next());
        silos.Add(slot);
        return Launch(slot);
    }

    /// <summary>Starts silo <paramref name="index"/> again on its ports after it exited.</summary>
    public HostProcess RestartSilo(int index) => Launch(silos[index]);

    public HostProcess StartGateway()
    {
        var settings = new Dictionary<string, string>(common);
        Gateway = HostProcess.Start("gateway", Repository.HostDll("client", typeof(GatewayHostExtensions).Assembly), LoopbackPorts.Next(), settings);
        return Gateway;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in silos.Where(s => s.Process is not null)) await silo.Process!.DisposeAsync();
        if (Gateway is not null) await Gateway.DisposeAsync();
        Http.Dispose();
    }

    private HostProcess Launch(SiloSlot slot)
    {
        var settings = new Dictionary<string, string>(common)
        {
            [ProfileGridStorageSettings.SiloPortKey] = slot.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ProfileGridStorageSettings.GatewayPortKey] = slot.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SiloHostExtensions.DemoKey] = "false",
        };
        slot.Process = HostProcess.Start(slot.Name, Repository.HostDll("silo", typeof(SiloHostExtensions).Assembly), slot.HttpPort, settings);
        return slot.Process;
    }

    /// <summary>Membership rows of this cluster: (address:port/generation, status). Status 3 is Active, 6 Dead.</summary>
    public static async Task<List<(string Silo, int Status)>> MembershipAsync(string connectionString, string clusterId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT Address || ':' || Port || '/' || Generation, Status FROM OrleansMembershipTable WHERE DeploymentId = @cluster ORDER BY StartTime", connection);
        command.Parameters.AddWithValue("cluster", clusterId);
        var rows = new List<(string, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetInt32(1)));
        return rows;
    }

    private sealed record SiloSlot(string Name, int HttpPort, int SiloPort, int GatewayPort)
    {
        public HostProcess? Process { get; set; }
    }
}
