using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;

namespace ProfileGrid.Storage.Postgres.Hosting;

public static class ProfileGridClientExtensions
{
    /// <summary>
    /// Points an Orleans client (a gateway) at the grid the configuration names: the silo on this
    /// machine's <c>ProfileGrid:GatewayPort</c> for <c>InMemory</c>, or every gateway listed in the
    /// PostgreSQL membership table for <c>Postgres</c>. Cluster and service ids must match the silos'.
    /// </summary>
    public static IClientBuilder UseProfileGridClustering(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        var settings = ProfileGridStorageSettings.FromConfiguration(configuration);
        if (settings.Mode == StorageMode.InMemory)
        {
            return client.UseLocalhostClustering(settings.GatewayPort, settings.ServiceId, settings.ClusterId);
        }

        return client
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = settings.ClusterId;
                options.ServiceId = settings.ServiceId;
            })
            .UseAdoNetClustering(options =>
            {
                options.Invariant = OrleansAdoNet.Invariant;
                options.ConnectionString = settings.ConnectionString;
            });
    }
}
