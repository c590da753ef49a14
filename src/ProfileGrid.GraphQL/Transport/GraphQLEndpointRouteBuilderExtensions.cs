using GraphQL.Types;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.GraphQL.Transport;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the GraphQL transports onto a route.</summary>
public static class GraphQLEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the registered <see cref="ISchema"/> at <paramref name="pattern"/>: GraphQL over HTTP
    /// (POST and GET) and, for WebSocket upgrades, graphql-transport-ws subscriptions. WebSockets need
    /// <c>app.UseWebSockets()</c> earlier in the pipeline. The returned builder takes the usual endpoint
    /// conventions, e.g. <c>.RequireAuthorization()</c>, which then guard the upgrade as well.
    /// </summary>
    public static IEndpointConventionBuilder MapGraphQLHttp(this IEndpointRouteBuilder endpoints, string pattern = "/graphql")
        => endpoints.MapGraphQLHttp<ISchema>(pattern);

    /// <summary>Serves the schema registered as <typeparamref name="TSchema"/>; see <see cref="MapGraphQLHttp(IEndpointRouteBuilder, string)"/>.</summary>
    public static IEndpointConventionBuilder MapGraphQLHttp<TSchema>(this IEndpointRouteBuilder endpoints, string pattern = "/graphql")
        where TSchema : ISchema
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        if (services.GetService<GraphQLRequestExecutor>() is null)
        {
            throw new InvalidOperationException("The GraphQL transports are not registered: call services.AddGraphQLTransport(configuration) first.");
        }

        if (services.GetService<IServiceProviderIsService>() is { } isService && !isService.IsService(typeof(TSchema)))
        {
            throw new InvalidOperationException($"No {typeof(TSchema).Name} is registered: register the schema (e.g. services.AddGraphQL(b => b.AddSchema<MySchema>())) before mapping GraphQL.");
        }

        var webSockets = ActivatorUtilities.CreateInstance<GraphQLWebSocketEndpoint<TSchema>>(services);
        var http = ActivatorUtilities.CreateInstance<GraphQLHttpEndpoint<TSchema>>(services, webSockets);
        return endpoints.Map(pattern, http.HandleAsync).WithDisplayName($"GraphQL {pattern}");
    }
}
