using Orleans.Runtime.Messaging;

namespace ProfileGrid.Hosting;

/// <summary>
/// Failures of a grain call that pass once the cluster has moved on, and the pauses between sending such a call
/// again. The target silo was declared dead or could not be reached (<see cref="SiloUnavailableException"/> is a
/// rejection, <see cref="ConnectionFailedException"/> a refused connection), or the message was rejected on its
/// way (<see cref="OrleansMessageRejectionException"/>): until the dead silo's grains are placed elsewhere, which
/// takes from about a second (the silo restarted, declaring its predecessor dead) to about fifteen (the other
/// silos' probes).
/// </summary>
public static class PassingFailure
{
    /// <summary>The pause before the first send again; it doubles up to <see cref="LongestPause"/>.</summary>
    public static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(50);

    public static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(500);

    public static bool Is(Exception failure) => failure is OrleansMessageRejectionException or ConnectionFailedException;

    /// <summary>The pause after <paramref name="failures"/> failures before this one (0 for the first).</summary>
    public static TimeSpan Pause(int failures) =>
        TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, FirstPause.Ticks << Math.Clamp(failures, 0, 8)));
}
