using Microsoft.Extensions.DependencyInjection;

namespace ProfileGrid.Hosting;

public static class StreamsHosting
{
    /// <summary>
    /// Segment membership changes pushed from profile grains to every host's subscription hub: this
    /// silo's <see cref="SegmentChangeRelay"/> replaces the no-op publisher, registers with the
    /// <see cref="ISegmentListenerRegistryGrain"/> at start, and sends each listening host its own
    /// ordered batches. The registry's listeners are stored in the grid's storage (in PostgreSQL with
    /// <c>Postgres</c>), so they outlive the silo that holds the registry.
    /// </summary>
    public static ISiloBuilder AddProfileGridStreams(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton<SegmentChangeRelay>();
        silo.Services.AddSingleton<ISegmentChangePublisher>(sp => sp.GetRequiredService<SegmentChangeRelay>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SegmentChangeRelay>());
        silo.Services.AddSingleton<SegmentChangeDelivery>();
        return silo;
    }
}
