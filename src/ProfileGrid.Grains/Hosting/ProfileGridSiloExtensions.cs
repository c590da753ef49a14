using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Metadata;
using Orleans.Serialization;
using Orleans.Storage;
using ProfileGrid.Ingestion;
using ProfileGrid.Storage;

namespace ProfileGrid.Hosting;

public static class ProfileGridSiloExtensions
{
    /// <summary>
    /// Registers ProfileGrid's grains, rules and options on a silo. Storage defaults to the embedded
    /// in-process kind; <see cref="ProfileGridStorageExtensions.UseProfileGridStorage"/> (before or
    /// after this call) replaces the grain storage, the event journal and the store of the segment
    /// directory and audience sets, nothing else.
    /// </summary>
    public static ISiloBuilder AddProfileGrid(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddProfileGridDomain(configuration);
        silo.Services.AddSingleton<StitchCoordinator>();
        silo.Services.AddSingleton<EventApplier>();
        silo.Services.AddSingleton(_ => new OwnerCache());
        silo.Services.TryAddKeyedSingleton<IGrainStorage>(ProfileGridStorage.Name, (sp, _) =>
            new InProcessGrainStorage(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, sp.GetRequiredService<Serializer>(), sp.GetService<ILogger<InProcessGrainStorage>>()));
        // Grain state read and written without Orleans' bridge and its forced yield per operation.
        silo.Services.Replace(ServiceDescriptor.Singleton<IPersistentStateFactory, DirectPersistentStateFactory>());
        silo.Services.AddSingleton<IConfigureGrainContextProvider>(sp =>
            new CompactOnDeactivation(sp.GetKeyedService<IGrainStorage>(ProfileGridStorage.Name) as InProcessGrainStorage, sp.GetRequiredService<GrainClassMap>()));
        silo.Services.TryAddSingleton<IEventJournal, GrainEventJournal>();
        silo.AddProfileGridSegments(configuration);
        return silo;
    }
}
