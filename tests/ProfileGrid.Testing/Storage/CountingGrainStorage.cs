using System.Collections.Concurrent;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace ProfileGrid.Testing.Storage;

/// <summary>
/// Grain storage that counts the reads and writes of each grain's state on their way to the storage it wraps (every
/// one still runs). A write is counted when it is attempted, whether the storage then accepts it or refuses it as a
/// conflict. Takes part in the silo's lifecycle when the wrapped storage does (a provider registered by key is also
/// resolved by that key as a lifecycle participant).
/// </summary>
public sealed class CountingGrainStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<(string Operation, string State, string Key), int> _counts = new();

    /// <summary>Reads of state <paramref name="state"/> of the grain whose key is <paramref name="key"/>.</summary>
    public int Reads(string state, string key) => _counts.GetValueOrDefault(("read", state, key));

    /// <summary>Write attempts of state <paramref name="state"/> of the grain whose key is <paramref name="key"/>.</summary>
    public int Writes(string state, string key) => _counts.GetValueOrDefault(("write", state, key));

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

    private void Add(string operation, string state, GrainId grain) =>
        _counts.AddOrUpdate((operation, state, grain.Key.ToString()!), 1, (_, n) => n + 1);
}
