using ProfileGrid.Hosting.Shutdown;

namespace ProfileGrid.Hosting.Health;

/// <summary>Unready as soon as the host has been asked to stop, so traffic moves away before requests are refused.</summary>
public sealed class DrainingHealthCheck(DrainState drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("stopping: draining in-flight requests")
            : HealthCheckResult.Healthy("serving"));
}
