using ProfileGrid.GraphQL.Hosting;
using ProfileGrid.Hosting;

namespace ProfileGrid.Silo.Extensions;

public static class SiloHostExtensions
{
    /// <summary>Default address when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    /// <summary>
    /// A silo with the embedded default: localhost clustering, in-process storage, the API co-hosted,
    /// and the Luma demo loaded unless <c>ProfileGrid:Demo=false</c>.
    /// </summary>
    public static WebApplicationBuilder AddProfileGridSilo(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"])) builder.WebHost.UseUrls(DefaultUrl);

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(
                siloPort: configuration.GetValue("ProfileGrid:SiloPort", 11111),
                gatewayPort: configuration.GetValue("ProfileGrid:GatewayPort", 30000),
                serviceId: configuration["ProfileGrid:ServiceId"] ?? "profilegrid",
                clusterId: configuration["ProfileGrid:ClusterId"] ?? "profilegrid");
            silo.AddProfileGrid(configuration);
        });
        builder.AddProfileGridApi();
        builder.Services.AddHostedService<StartupBanner>();
        if (configuration.GetValue("ProfileGrid:Demo", true)) builder.Services.AddHostedService<DemoLoader>();
        return builder;
    }
}
