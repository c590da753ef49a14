namespace ProfileGrid.Hosting.Shutdown;

/// <summary>
/// The first step of a SIGTERM: readiness turns unready, then the host waits the drain delay before
/// anything stops. <see cref="IHostedLifecycleService.StoppingAsync"/> runs before any hosted
/// service's <c>StopAsync</c>, so Kestrel is still serving (in-flight and new requests) while the
/// load balancer takes the host out; after it Kestrel finishes in-flight requests and Orleans
/// deactivates grains and leaves the membership, all within <c>HostOptions.ShutdownTimeout</c>.
/// </summary>
public sealed class GracefulShutdown(
    DrainState drain,
    IOptions<ProfileGridOperationsSettings> settings,
    TimeProvider time,
    ILogger<GracefulShutdown> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        drain.BeginDraining();
        var delay = settings.Value.DrainDelay;
        logger.LogInformation(
            "Stopping: /health/ready now answers 503; taking requests for {DrainDelay} s more, then finishing in-flight requests and leaving the cluster (budget {ShutdownTimeout} s, {ShutdownTimeoutKey})",
            delay.TotalSeconds, settings.Value.ShutdownTimeout.TotalSeconds, ProfileGridOperationsSettings.ShutdownTimeoutKey);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The shutdown budget ran out during the delay: carry on stopping.
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Stopped cleanly");
        return Task.CompletedTask;
    }
}
