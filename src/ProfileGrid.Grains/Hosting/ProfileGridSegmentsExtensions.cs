using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ProfileGrid.Segments;

namespace ProfileGrid.Hosting;

public static class ProfileGridSegmentsExtensions
{
    /// <summary>
    /// Live segmentation on a silo: options from <c>ProfileGrid:Segments</c>, the silo's catalogue cache, a
    /// publisher that drops changes unless subscriptions registered a real one, a reminder service for
    /// time windows (in memory unless durable storage registered one, before or after this call), and the
    /// store of the directory and audience sets (in the process unless durable storage replaced it, before
    /// or after this call).
    /// </summary>
    public static ISiloBuilder AddProfileGridSegments(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddOptions<SegmentOptions>().Bind(configuration.GetSection(SegmentOptions.Section));
        silo.Services.TryAddSingleton<SegmentCatalogCache>();
        silo.Services.TryAddSingleton<ISegmentChangePublisher, NoSegmentChangePublisher>();
        silo.Services.TryAddSingleton<IProfileIdSetStore>(sp =>
            new InProcessProfileIdSetStore(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        if (!silo.Services.Any(s => s.ServiceType == typeof(IReminderTable)))
            silo.UseInMemoryReminderService();
        return silo;
    }
}
