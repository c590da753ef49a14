using System.Globalization;

namespace ProfileGrid.Hosting;

/// <summary>
/// The operator's keys for stopping a host: how long a SIGTERM may take, and how long a host stays
/// up but unready before it stops taking requests (so that a load balancer notices first). Read in
/// one place so that the hosts, docker-compose and the tests agree on every key and default.
/// </summary>
public sealed record ProfileGridOperationsSettings
{
    public const string ShutdownTimeoutKey = "ProfileGrid:ShutdownTimeoutSeconds";
    public const string DrainDelayKey = "ProfileGrid:DrainDelaySeconds";

    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultDrainDelay = TimeSpan.Zero;

    /// <summary>
    /// The whole budget for a graceful stop (drain delay, in-flight requests, grain deactivation,
    /// leaving the membership). Past it the host stops anyway; Orleans then marks the silo dead.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; init; } = DefaultShutdownTimeout;

    /// <summary>How long <c>/health/ready</c> answers 503 before the host stops accepting requests.</summary>
    public TimeSpan DrainDelay { get; init; } = DefaultDrainDelay;

    /// <exception cref="OptionsValidationException">A value is not a number of seconds, or the delay does not fit in the timeout.</exception>
    public static ProfileGridOperationsSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var timeout = Seconds(configuration, ShutdownTimeoutKey, DefaultShutdownTimeout);
        var delay = Seconds(configuration, DrainDelayKey, DefaultDrainDelay);
        if (delay >= timeout)
        {
            throw Refused(
                $"{DrainDelayKey} ({delay.TotalSeconds:0.###} s) must be shorter than {ShutdownTimeoutKey} ({timeout.TotalSeconds:0.###} s): the drain delay is part of the shutdown budget.");
        }

        return new ProfileGridOperationsSettings { ShutdownTimeout = timeout, DrainDelay = delay };
    }

    private static TimeSpan Seconds(IConfiguration configuration, string key, TimeSpan fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds <= 3600)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        throw Refused($"{key} is '{value}'; it must be a number of seconds from 0 to 3600 (default {fallback.TotalSeconds:0.###}).");
    }

    /// <summary>A setting that cannot be used: reported like a failed options validation, which hosts print without a stack trace.</summary>
    private static OptionsValidationException Refused(string message) => new(nameof(ProfileGridOperationsSettings), typeof(ProfileGridOperationsSettings), [message]);
}
