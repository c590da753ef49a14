using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Hosting.Client;

/// <summary>
/// Keeps a gateway trying to reach the cluster at start (silos may start after it, as in
/// docker-compose), saying on every attempt where it looks and why it failed, until the host is
/// told to stop. Without it the Orleans client gives up on the first failure and the host exits.
/// </summary>
public sealed class ClusterConnectionRetryFilter(
    ProfileGridStorageSettings settings,
    TimeProvider time,
    ILogger<ClusterConnectionRetryFilter> logger) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    private int attempts;

    /// <summary>Where the client looks for silos, in the operator's terms.</summary>
    public string Target => settings.Mode == StorageMode.Postgres
        ? $"silo gateways listed in the PostgreSQL membership table (cluster '{settings.ClusterId}', service '{settings.ServiceId}')"
        : $"a silo gateway on localhost:{settings.GatewayPort} ({ProfileGridStorageSettings.GatewayPortKey})";

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref attempts);
        var delay = TimeSpan.FromSeconds(Math.Min(attempt, MaxDelay.TotalSeconds));
        logger.LogWarning(
            "Cannot connect to the ProfileGrid cluster yet (attempt {Attempt}): looking for {Target}; {Reason}. Retrying in {Delay} s",
            attempt, Target, exception.Message.TrimEnd('.'), delay.TotalSeconds);
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
