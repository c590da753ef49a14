using Orleans.Runtime;

namespace ProfileGrid.Hosting.Health;

/// <summary>
/// Ready when this host can serve grain calls: a silo once it is <see cref="SiloStatus.Active"/> in
/// the membership (not while joining, nor once it starts leaving); a gateway while it is connected
/// to at least one silo.
/// </summary>
public sealed class ClusterHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<ISiloStatusOracle>() is { } oracle)
        {
            var status = oracle.CurrentStatus;
            return Task.FromResult(status == SiloStatus.Active
                ? HealthCheckResult.Healthy($"silo {oracle.SiloAddress} is active in the cluster")
                : HealthCheckResult.Unhealthy($"silo {oracle.SiloAddress} is {status}, not active in the cluster"));
        }

        if (services.GetService<ClusterConnectionState>() is { } client)
        {
            return Task.FromResult(client.IsConnected
                ? HealthCheckResult.Healthy("connected to the cluster")
                : HealthCheckResult.Unhealthy("not connected to the cluster"));
        }

        return Task.FromResult(HealthCheckResult.Unhealthy("this host is neither a silo nor an Orleans client"));
    }
}
