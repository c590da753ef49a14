using System.Collections.Concurrent;

namespace ProfileGrid.Segments;

/// <summary>
/// The embedded default: sets kept in the process, so that a set survives its grain's deactivation
/// and moving between silos of one process (the test cluster), not a process restart. Sets of
/// different services are apart, as with every other storage.
/// </summary>
public sealed class InProcessProfileIdSetStore(string serviceId) : IProfileIdSetStore
{
    private static readonly ConcurrentDictionary<(string Service, string Set), StoredSet> Sets = new();

    public Task<IReadOnlyCollection<string>> Load(string setKey)
    {
        if (!Sets.TryGetValue((serviceId, setKey), out var set)) return Task.FromResult<IReadOnlyCollection<string>>([]);
        lock (set.Lock) return Task.FromResult<IReadOnlyCollection<string>>([.. set.Ids]);
    }

    public Task Apply(string setKey, IReadOnlyCollection<string> added, IReadOnlyCollection<string> removed)
    {
        var set = Sets.GetOrAdd((serviceId, setKey), static _ => new StoredSet());
        lock (set.Lock)
        {
            foreach (var id in removed) set.Ids.Remove(id);
            foreach (var id in added) set.Ids.Add(id);
        }
        return Task.CompletedTask;
    }

    public Task Clear(string setKey)
    {
        if (Sets.TryGetValue((serviceId, setKey), out var set))
            lock (set.Lock) set.Ids.Clear();
        return Task.CompletedTask;
    }

    /// <summary>A set and its own lock (a <see cref="System.Threading.Lock"/>, not the set's object header).</summary>
    private sealed class StoredSet
    {
        public readonly Lock Lock = new();
        public readonly HashSet<string> Ids = new(StringComparer.Ordinal);
    }
}
