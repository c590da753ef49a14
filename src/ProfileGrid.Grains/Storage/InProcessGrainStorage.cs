using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Orleans.Metadata;
using Orleans.Serialization;
using Orleans.Storage;

namespace ProfileGrid.Storage;

/// <summary>
/// The embedded default's grain storage. While a grain is active its state object is kept by reference,
/// so a write costs a dictionary update instead of a copy of a profile's whole timeline; when the grain
/// deactivates (<see cref="CompactOnDeactivation"/>) the state is kept in its serialized form, a fraction
/// of the object graph's size, and read back as a fresh copy by the next activation, as from real storage.
/// State survives grain deactivation and moving between silos of one process (the test cluster), not a
/// process restart; PostgreSQL storage is for that. ETags are checked, so a stale writer is refused, as
/// with real storage.
/// </summary>
public sealed class InProcessGrainStorage(string serviceId, Serializer serializer, ILogger<InProcessGrainStorage>? logger = null) : IGrainStorage
{
    private static readonly ConcurrentDictionary<(string Service, string State, GrainId Grain), Entry> Store = new();
    // The state names ever written, to find a grain's entries when it deactivates (a handful: one per grain class).
    // An array replaced on the rare new name: every deactivation reads it, and a concurrent dictionary's key list
    // took all its locks and a copy each time (measured at 3 % of a batch walk's CPU).
    private static string[] _stateNames = [];
    private static readonly Lock StateNamesLock = new();
    private static long _version;

    /// <summary>Either the live object (the grain is active) or its serialized form, never both.</summary>
    private sealed record Entry(object? Live, byte[]? Compacted, long Version)
    {
        // Made once: every write compares the stored one.
        public string ETag { get; } = Version.ToString(CultureInfo.InvariantCulture);
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Store.TryGetValue((serviceId, stateName, grainId), out var entry))
        {
            // A compacted entry stays compacted: the copy is this activation's until it writes.
            grainState.State = entry.Live is { } live ? (T)live : (T)serializer.Deserialize<object>(entry.Compacted!)!;
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (serviceId, stateName, grainId);
        RememberStateName(stateName);
        var next = new Entry(grainState.State!, null, Interlocked.Increment(ref _version));
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

    /// <summary>
    /// Keeps every state of <paramref name="grainId"/> in its serialized form, with its ETag unchanged. For a
    /// grain that has finished deactivating: nothing changes its state object any more. A write that gets in
    /// first (a new activation already) wins, and its entry stays live; so does one that cannot be serialized.
    /// </summary>
    public void Compact(GrainId grainId)
    {
        foreach (var stateName in Volatile.Read(ref _stateNames))
        {
            var key = (serviceId, stateName, grainId);
            if (!Store.TryGetValue(key, out var entry) || entry.Live is null) continue;
            byte[] compacted;
            try
            {
                compacted = serializer.SerializeToArray<object>(entry.Live);
            }
            catch (Exception e)
            {
                // Only memory is at stake: the entry stays live and correct.
                logger?.LogWarning(e, "{Grain} {State}: state not compacted at deactivation; it stays in memory as objects", grainId, stateName);
                continue;
            }
            Store.TryUpdate(key, entry with { Live = null, Compacted = compacted }, entry);
        }
    }

    private static void RememberStateName(string stateName)
    {
        if (Array.IndexOf(Volatile.Read(ref _stateNames), stateName) >= 0) return;
        lock (StateNamesLock)
        {
            if (Array.IndexOf(_stateNames, stateName) < 0) Volatile.Write(ref _stateNames, [.. _stateNames, stateName]);
        }
    }

    /// <summary>Whether the state is kept serialized (false when it is live or absent).</summary>
    public bool IsCompacted(string stateName, GrainId grainId) =>
        Store.TryGetValue((serviceId, stateName, grainId), out var entry) && entry.Compacted is not null;
}

/// <summary>
/// Compacts a grain's in-process state (<see cref="InProcessGrainStorage.Compact"/>) once the grain has
/// deactivated: subscribed to the lifecycle of every activation of a grain class with persistent state, at its
/// first stage, which stops last, after the grain's own deactivation and its final writes. Does nothing when
/// the grid stores grains elsewhere.
/// </summary>
public sealed class CompactOnDeactivation(InProcessGrainStorage? storage, GrainClassMap classes) : IConfigureGrainContextProvider, IConfigureGrainContext
{
    public bool TryGetConfigurator(GrainType grainType, GrainProperties properties, [NotNullWhen(true)] out IConfigureGrainContext? configurator)
    {
        configurator = storage is not null && classes.TryGetGrainClass(grainType, out var grainClass) && HasPersistentState(grainClass) ? this : null;
        return configurator is not null;
    }

    public void Configure(IGrainContext context) =>
        context.ObservableLifecycle.Subscribe(nameof(CompactOnDeactivation), GrainLifecycleStage.First, new Observer(storage!, context.GrainId));

    private static bool HasPersistentState(Type grainClass) =>
        grainClass.GetConstructors().Any(c => c.GetParameters().Any(p => p.IsDefined(typeof(PersistentStateAttribute), inherit: false)));

    private sealed class Observer(InProcessGrainStorage storage, GrainId grainId) : ILifecycleObserver
    {
        public Task OnStart(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task OnStop(CancellationToken cancellationToken)
        {
            storage.Compact(grainId);
            return Task.CompletedTask;
        }
    }
}
