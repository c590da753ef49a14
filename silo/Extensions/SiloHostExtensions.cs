using ProfileGrid.GraphQL.Hosting;
using ProfileGrid.Hosting;

namespace ProfileGrid.Silo.Extensions;

public static class SiloHostExtensions
{
    /// <summary>Default address when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    /// <summary>Loads the Luma demo story at start (default true); a production cluster sets it to false.</summary>
    public const string DemoKey = "ProfileGrid:Demo";

    /// <summary>
    /// A silo with clustering and storage as <c>ProfileGrid:Storage</c> says (the embedded default:
    /// localhost clustering, in-process storage; or PostgreSQL), the API co-hosted, and the Luma demo
    /// loaded unless <c>ProfileGrid:Demo=false</c>.
    /// </summary>
    public static WebApplicationBuilder AddProfileGridSilo(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"])) builder.WebHost.UseUrls(DefaultUrl);

        builder.UseOrleans(silo =>
        {
            silo.UseProfileGridStorage(configuration);
            silo.AddProfileGrid(configuration);
            silo.AddProfileGridStreams();
        });
        builder.AddProfileGridApi();
        builder.AddProfileGridOperations();
        builder.Services.AddHostedService<StartupBanner>();
        if (configuration.GetValue(DemoKey, true)) builder.Services.AddHostedService<DemoLoader>();
        return builder;
    }
}
