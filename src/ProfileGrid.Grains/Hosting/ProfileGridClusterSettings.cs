using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ProfileGrid.Hosting;

/// <summary>
/// How quickly the silos declare a silo dead that stopped answering (a SIGKILL, a power loss, a cut network):
/// each silo probes others every <see cref="ProbeTimeout"/>, a probe unanswered within it is missed, and after
/// <see cref="MissedProbesLimit"/> missed probes the prober votes the silo dead (Orleans' membership protocol;
/// two votes declare it). Until then the dead silo's grains cannot answer, and lookups and events bound for them
/// wait. A killed silo restarted on its address declares its previous incarnation dead as it joins, sooner. Shorter
/// values shorten that wait and make a silo that is only slow (a long collector pause, a starved machine) likelier
/// to be declared dead: it then stops, and its grains move. Unset, a value stays as Orleans (or another part of the
/// host, such as a test cluster) has it: 5 s and 3 by Orleans' defaults.
/// </summary>
public sealed record ProfileGridClusterSettings
{
    public const string ProbeTimeoutKey = "ProfileGrid:Cluster:ProbeTimeout";
    public const string MissedProbesLimitKey = "ProfileGrid:Cluster:MissedProbesLimit";
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(5);
    public const int DefaultMissedProbesLimit = 3;
    private static readonly TimeSpan ShortestProbeTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestProbeTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Null when not set.</summary>
    public TimeSpan? ProbeTimeout { get; init; }

    /// <summary>Null when not set.</summary>
    public int? MissedProbesLimit { get; init; }

    /// <exception cref="OptionsValidationException">A value is not of its kind or outside its range; the message names the key.</exception>
    public static ProfileGridClusterSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new ProfileGridClusterSettings();
        if (configuration[ProbeTimeoutKey] is { } timeout && !string.IsNullOrWhiteSpace(timeout))
        {
            if (!TimeSpan.TryParse(timeout, CultureInfo.InvariantCulture, out var parsed) || parsed < ShortestProbeTimeout || parsed > LongestProbeTimeout)
                throw Refused($"{ProbeTimeoutKey} is '{timeout}'; it must be a time span such as 00:00:02, from {ShortestProbeTimeout:c} to {LongestProbeTimeout:c} (default {DefaultProbeTimeout:c}).");
            settings = settings with { ProbeTimeout = parsed };
        }
        if (configuration[MissedProbesLimitKey] is { } limit && !string.IsNullOrWhiteSpace(limit))
        {
            if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed is < 1 or > 10)
                throw Refused($"{MissedProbesLimitKey} is '{limit}'; it must be a whole number from 1 to 10 (default {DefaultMissedProbesLimit}).");
            settings = settings with { MissedProbesLimit = parsed };
        }
        return settings;
    }

    /// <summary>Orleans' membership options for the values set.</summary>
    public void Apply(ClusterMembershipOptions options)
    {
        if (ProbeTimeout is { } timeout) options.ProbeTimeout = timeout;
        if (MissedProbesLimit is { } limit) options.NumMissedProbesLimit = limit;
    }

    private static OptionsValidationException Refused(string message) => new(nameof(ProfileGridClusterSettings), typeof(ProfileGridClusterSettings), [message]);
}
