using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProfileGrid.GraphQL.Segments;
using ProfileGrid.Segments;

namespace ProfileGrid.GraphQL.Hosting;

public static class SegmentSubscriptionHosting
{
    /// <summary>
    /// The host-local hub behind <c>segmentMembershipChanged</c>, started with the host. It listens
    /// once the host's silo or client is wired for delivery
    /// (<c>ISiloBuilder.AddProfileGridStreams</c> or <see cref="AddProfileGridStreams"/>).
    /// </summary>
    public static IServiceCollection AddProfileGridSegmentSubscriptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SegmentChangeHubOptions>().Bind(configuration.GetSection(SegmentChangeHubOptions.Section));
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SegmentChangeMetrics>();
        services.TryAddSingleton<SegmentChangeHub>();
        services.AddHostedService(sp => sp.GetRequiredService<SegmentChangeHub>());
        return services;
    }

    /// <summary>
    /// Segment change delivery on an Orleans client (a gateway): its hub registers as a listener with
    /// the cluster's registry, and every silo's relay pushes changes to it through the gateway
    /// connection. Silos call the silo-side <c>AddProfileGridStreams</c> instead.
    /// </summary>
    public static IClientBuilder AddProfileGridStreams(this IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Services.TryAddSingleton<SegmentChangeDelivery>();
        return client;
    }
}
