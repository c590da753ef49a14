using GraphQL.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ProfileGrid.GraphQL.Transport;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the GraphQL transports; the schema is registered separately.</summary>
public static class GraphQLTransportServiceCollectionExtensions
{
    /// <summary>
    /// Registers the GraphQL-over-HTTP and graphql-transport-ws transports with options bound from
    /// <c>ProfileGrid:GraphQL</c> of <paramref name="configuration"/> (validated at start-up), then
    /// adjusted by <paramref name="configure"/>. The schema itself (an <c>ISchema</c>, or the type
    /// passed to <c>MapGraphQLHttp&lt;TSchema&gt;</c>) must be registered too, e.g. with
    /// <c>services.AddGraphQL(b =&gt; b.AddSchema&lt;MySchema&gt;().AddSystemTextJson())</c>; when the
    /// host registers an <c>IDocumentExecuter</c> that way, the transports execute through it.
    /// graphql-dotnet's <c>IDocumentValidator</c> is replaced by one that validates a kept document
    /// faster (<see cref="KeptDocumentValidator"/>) and otherwise the same.
    /// </summary>
    public static IServiceCollection AddGraphQLTransport(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<GraphQLTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddOptions<GraphQLTransportOptions>().Bind(configuration.GetSection(GraphQLTransportOptions.SectionName));
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return services.AddGraphQLTransportCore();
    }

    /// <summary>Registers the transports with options set in code only (defaults otherwise).</summary>
    public static IServiceCollection AddGraphQLTransport(
        this IServiceCollection services,
        Action<GraphQLTransportOptions>? configure = null)
    {
        var builder = services.AddOptions<GraphQLTransportOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return services.AddGraphQLTransportCore();
    }

    private static IServiceCollection AddGraphQLTransportCore(this IServiceCollection services)
    {
        services.AddOptions<GraphQLTransportOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GraphQLTransportOptions>, GraphQLTransportOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGraphQLWebSocketAuthenticator, AcceptingGraphQLWebSocketAuthenticator>();
        services.TryAddSingleton<GraphQLTransportMetrics>();
        services.TryAddSingleton<GraphQLRequestExecutor>();
        // graphql-dotnet's validator (AddGraphQL registers it only when none is, before or after this)
        // with the shortcut for kept documents; a host's own validator is left as it is.
        services.TryAddSingleton<KeptDocumentValidator>();
        var validator = services.LastOrDefault(d => d.ServiceType == typeof(IDocumentValidator));
        if (validator is null || validator.ImplementationType == typeof(DocumentValidator))
        {
            services.RemoveAll<IDocumentValidator>();
            services.AddSingleton<IDocumentValidator>(sp => sp.GetRequiredService<KeptDocumentValidator>());
        }

        return services;
    }
}
