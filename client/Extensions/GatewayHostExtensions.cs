using ProfileGrid.GraphQL.Hosting;
using ProfileGrid.Hosting;
using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Client.Extensions;

public static class GatewayHostExtensions
{
    /// <summary>Default address when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> says otherwise (a silo on the same machine has 5000).</summary>
    public const string DefaultUrl = "http://127.0.0.1:5100";

    /// <summary>
    /// A stateless gateway: an Orleans client of the cluster the configuration names
    /// (<c>ProfileGrid:Storage</c>, as on the silos), serving the GraphQL API and bulk ingestion.
    /// Any number can run side by side; they hold no state.
    /// </summary>
    public static WebApplicationBuilder AddProfileGridGateway(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"])) builder.WebHost.UseUrls(DefaultUrl);

        builder.UseOrleansClient(client => client
            .UseProfileGridClustering(configuration)
            .AddProfileGridStreams()
            .AddProfileGridConnectionMonitoring(configuration));
        builder.AddProfileGridApi();
        builder.AddProfileGridOperations();
        return builder;
    }
}
