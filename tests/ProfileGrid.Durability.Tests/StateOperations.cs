using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using ProfileGrid.Storage;

namespace ProfileGrid.Durability.Tests;

/// <summary>
/// The reads and writes of grain state the silos of a test cluster asked their storage for, counted on their way to
/// PostgreSQL (every one still runs), by the cluster's service id. A write is counted when it is attempted, whether
/// storage then accepts it or refuses it as a conflict.
/// </summary>
public static class StateOperations
{
    private static readonly ConcurrentDictionary<(string Service, string Operation, string State, string Key), int> Counts = new();

    public static int Reads(string serviceId, string state, string key) => Counts.GetValueOrDefault((serviceId, "read", state, key));

    public static int Writes(string serviceId, string state, string key) => Counts.GetValueOrDefault((serviceId, "write", state, key));

    /// <summary>Wraps the silo's grain storage so that each read and write is counted first.</summary>
    public static void Count(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, ProfileGridStorage.Name));
        services.Remove(original);
        // The provider also takes part in the silo's lifecycle (it is resolved by its key and cast): so does the wrapper.
        services.AddKeyedSingleton<IGrainStorage>(ProfileGridStorage.Name, (sp, key) => new Counting(
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            (IGrainStorage)(original.KeyedImplementationInstance
                ?? original.KeyedImplementationFactory?.Invoke(sp, key)
                ?? ActivatorUtilities.CreateInstance(sp, original.KeyedImplementationType!))));
    }

    private sealed class Counting(string serviceId, IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        private void Add(string operation, string state, GrainId grain) =>
            Counts.AddOrUpdate((serviceId, operation, state, grain.Key.ToString()!), 1, (_, n) => n + 1);

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            Add("read", stateName, grainId);
            return inner.ReadStateAsync(stateName, grainId, grainState);
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            Add("write", stateName, grainId);
            return inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);

        public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
    }
}
