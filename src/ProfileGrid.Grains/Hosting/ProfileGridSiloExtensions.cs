using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using ProfileGrid.Ingestion;
using ProfileGrid.Storage;

namespace ProfileGrid.Hosting;

public static class ProfileGridSiloExtensions
{
    /// <summary>
    /// Registers ProfileGrid's grains, rules and options on a silo, with in-process grain storage
    /// (the embedded default). Durable storage replaces the storage provider, nothing else.
    /// </summary>
    public static ISiloBuilder AddProfileGrid(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddProfileGridDomain(configuration);
        silo.Services.AddSingleton<StitchCoordinator>();
        silo.Services.AddSingleton<OwnerCache>();
        silo.Services.AddKeyedSingleton<IGrainStorage>(ProfileGridStorage.Name, (sp, _) =>
            new InProcessGrainStorage(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        return silo;
    }
}
