using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using ProfileGrid.Storage;
using ProfileGrid.Testing.Storage;

namespace ProfileGrid.Durability.Tests;

/// <summary>
/// The reads and writes of grain state the silos of a test cluster asked their storage for, counted on their way to
/// PostgreSQL (<see cref="CountingGrainStorage"/>), by the cluster's service id, summed over its silos.
/// </summary>
public static class StateOperations
{
    private static readonly ConcurrentDictionary<string, ConcurrentBag<CountingGrainStorage>> ByService = new();

    public static int Reads(string serviceId, string state, string key) => Of(serviceId).Sum(storage => storage.Reads(state, key));

    public static int Writes(string serviceId, string state, string key) => Of(serviceId).Sum(storage => storage.Writes(state, key));

    /// <summary>Wraps the silo's grain storage so that each read and write is counted first.</summary>
    public static void Count(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, ProfileGridStorage.Name));
        services.Remove(original);
        services.AddKeyedSingleton<IGrainStorage>(ProfileGridStorage.Name, (sp, key) =>
        {
            var counting = new CountingGrainStorage((IGrainStorage)(original.KeyedImplementationInstance
                ?? original.KeyedImplementationFactory?.Invoke(sp, key)
                ?? ActivatorUtilities.CreateInstance(sp, original.KeyedImplementationType!)));
            ByService.GetOrAdd(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, _ => []).Add(counting);
            return counting;
        });
    }

    private static IEnumerable<CountingGrainStorage> Of(string serviceId) => ByService.TryGetValue(serviceId, out var storages) ? storages : [];
}
