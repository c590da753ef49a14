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
    /// through the stream provider the host's silo or client registers
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
    /// The segment change stream on an Orleans client (a gateway), so its subscription hub receives
    /// the changes profile grains publish on any silo. Silos call the silo-side
    /// <c>AddProfileGridStreams</c> instead. Queue partitioning is Orleans' default on both sides.
    /// </summary>
    public static IClientBuilder AddProfileGridStreams(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(configuration);
        return client.AddMemoryStreams(SegmentChangeStreams.ProviderName);
    }
}
