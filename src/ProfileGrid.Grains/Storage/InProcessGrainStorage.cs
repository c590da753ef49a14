using System.Collections.Concurrent;
using Orleans.Storage;

namespace ProfileGrid.Storage;

/// <summary>
/// The embedded default's grain storage: state objects kept by reference in the process, so a write
/// costs a dictionary update instead of a copy of a profile's whole timeline. State survives grain
/// deactivation and moving between silos of one process (the test cluster), not a process restart;
/// PostgreSQL storage is for that. ETags are checked, so a stale writer is refused, as with real storage.
/// </summary>
public sealed class InProcessGrainStorage(string serviceId) : IGrainStorage
{
    private static readonly ConcurrentDictionary<(string Service, string State, GrainId Grain), Entry> Store = new();
    private sealed record Entry(object State, string ETag);
    private static long _version;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Store.TryGetValue((serviceId, stateName, grainId), out var entry))
        {
            grainState.State = (T)entry.State;
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (serviceId, stateName, grainId);
        var next = new Entry(grainState.State!, Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (grainState.ETag is null)
        {
            if (!Store.TryAdd(key, next)) throw new InconsistentStateException($"{grainId} {stateName}: written by another activation", "", "");
        }
        else if (!Store.TryGetValue(key, out var current) || current.ETag != grainState.ETag || !Store.TryUpdate(key, next, current))
        {
            throw new InconsistentStateException($"{grainId} {stateName}: stale ETag", current?.ETag ?? "", grainState.ETag);
        }
        grainState.ETag = next.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Store.TryRemove((serviceId, stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
