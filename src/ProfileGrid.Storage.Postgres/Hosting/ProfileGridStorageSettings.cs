using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ProfileGrid.Storage.Postgres.Hosting;

/// <summary>Where a grid keeps its state: in the silo process (the embedded default) or in PostgreSQL.</summary>
public enum StorageMode
{
    /// <summary>Localhost clustering and in-process grain storage; nothing survives a restart.</summary>
    InMemory,

    /// <summary>ADO.NET clustering, grain state, reminders and the event log in one PostgreSQL database.</summary>
    Postgres,
}

/// <summary>
/// The configuration contract of silos and gateways, read in one place so that the silo host, the
/// gateway host, docker-compose and the tests agree on every key and default. Values come from any
/// ASP.NET Core configuration source (<c>--ProfileGrid:Storage=Postgres</c>,
/// <c>ProfileGrid__Storage=Postgres</c>, appsettings).
/// </summary>
public sealed record ProfileGridStorageSettings
{
    public const string StorageKey = "ProfileGrid:Storage";
    public const string ConnectionStringName = "Postgres";
    public const string ConnectionStringKey = "ConnectionStrings:" + ConnectionStringName;
    public const string SiloPortKey = "ProfileGrid:SiloPort";
    public const string GatewayPortKey = "ProfileGrid:GatewayPort";
    public const string ClusterIdKey = "ProfileGrid:ClusterId";
    public const string ServiceIdKey = "ProfileGrid:ServiceId";
    public const string AdvertisedIPKey = "ProfileGrid:AdvertisedIP";

    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;
    public const string DefaultClusterId = "profilegrid";
    public const string DefaultServiceId = "profilegrid";

    public StorageMode Mode { get; init; } = StorageMode.InMemory;

    /// <summary>The PostgreSQL connection string; set whenever <see cref="Mode"/> is <see cref="StorageMode.Postgres"/>.</summary>
    public string? ConnectionString { get; init; }

    public int SiloPort { get; init; } = DefaultSiloPort;

    public int GatewayPort { get; init; } = DefaultGatewayPort;

    public string ClusterId { get; init; } = DefaultClusterId;

    public string ServiceId { get; init; } = DefaultServiceId;

    /// <summary>The address other silos and clients reach this silo at. Loopback unless set, so a laptop and the tests need nothing.</summary>
    public IPAddress AdvertisedIP { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// Reads and checks the settings. A wrong value stops the host at start with a message that
    /// names the key and what it accepts, instead of a cluster that half works.
    /// </summary>
    /// <exception cref="OptionsValidationException">A value is missing or not allowed.</exception>
    public static ProfileGridStorageSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var mode = ParseMode(configuration[StorageKey]);
        var connectionString = configuration[ConnectionStringKey];
        if (mode == StorageMode.Postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw Refused(
                $"{StorageKey} is Postgres but {ConnectionStringKey} is not set; give it a PostgreSQL connection string (for example --{ConnectionStringKey}=\"Host=127.0.0.1;Username=postgres;Database=profilegrid\" or the environment variable ConnectionStrings__{ConnectionStringName}).");
        }

        return new ProfileGridStorageSettings
        {
            Mode = mode,
            ConnectionString = string.IsNullOrWhiteSpace(connectionString) ? null : connectionString,
            SiloPort = Port(configuration, SiloPortKey, DefaultSiloPort),
            GatewayPort = Port(configuration, GatewayPortKey, DefaultGatewayPort),
            ClusterId = Name(configuration, ClusterIdKey, DefaultClusterId),
            ServiceId = Name(configuration, ServiceIdKey, DefaultServiceId),
            AdvertisedIP = Address(configuration, AdvertisedIPKey),
        };
    }

    private static StorageMode ParseMode(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return StorageMode.InMemory;
        foreach (var mode in Enum.GetValues<StorageMode>())
        {
            if (string.Equals(value.Trim(), mode.ToString(), StringComparison.OrdinalIgnoreCase)) return mode;
        }

        throw Refused(
            $"{StorageKey} is '{value}'; allowed values are {string.Join(" and ", Enum.GetNames<StorageMode>())} (case-insensitive; default {StorageMode.InMemory}).");
    }

    private static int Port(IConfiguration configuration, string key, int fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
        {
            return port;
        }

        throw Refused($"{key} is '{value}'; it must be a TCP port number from 1 to 65535 (default {fallback}).");
    }

    private static string Name(IConfiguration configuration, string key, string fallback)
    {
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? fallback : value.Trim();
    }

    private static IPAddress Address(IConfiguration configuration, string key)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value)) return IPAddress.Loopback;
        if (IPAddress.TryParse(value.Trim(), out var address)) return address;
        throw Refused($"{key} is '{value}'; it must be an IP address (IPv4 or IPv6) that other silos and clients can reach (default 127.0.0.1).");
    }

    /// <summary>A setting that cannot be used: reported like a failed options validation, which hosts print without a stack trace.</summary>
    private static OptionsValidationException Refused(string message) => new(nameof(ProfileGridStorageSettings), typeof(ProfileGridStorageSettings), [message]);
}
