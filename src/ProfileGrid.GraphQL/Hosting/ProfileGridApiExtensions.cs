using GraphQL.Types;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProfileGrid.GraphQL.Apis;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.GraphQL.Segments;
using ProfileGrid.GraphQL.Transport;
using ProfileGrid.Hosting;

namespace ProfileGrid.GraphQL.Hosting;

public static class ProfileGridApiExtensions
{
    /// <summary>
    /// The GraphQL API and bulk ingestion, for any host that can reach the grains: a silo (co-hosted)
    /// or a gateway (an Orleans client).
    /// </summary>
    public static IHostApplicationBuilder AddProfileGridApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProfileGridDomain(builder.Configuration);
        services.AddSingleton<ProfileGridGateway>();
        services.AddGraphQL(b => b
            .AddSchema<ProfileGridSchema>()
            .AddSystemTextJson()
            .AddGraphTypes(typeof(ProfileGridSchema).Assembly));
        services.AddGraphQLTransport(builder.Configuration);
        services.AddProfileGridSegmentsApi(builder.Configuration);
        services.AddProfileGridSegmentSubscriptions(builder.Configuration);
        return builder;
    }

    public static WebApplication MapProfileGridApi(this WebApplication app)
    {
        app.UseWebSockets();
        app.MapGraphQLHttp<ProfileGridSchema>("/graphql");
        app.MapEventsApi();
        return app;
    }
}
