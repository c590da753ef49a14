using System.Collections.Concurrent;

namespace ProfileGrid.Segments;

/// <summary>
/// The embedded default: sets kept in the process, so that a set survives its grain's deactivation
/// and moving between silos of one process (the test cluster), not a process restart. Sets of
/// different services are apart, as with every other storage.
/// </summary>
public sealed class InProcessProfileIdSetStore(string serviceId) : IProfileIdSetStore
{
    private static readonly ConcurrentDictionary<(string Service, string Set), HashSet<string>> Sets = new();

    public Task<IReadOnlyCollection<string>> Load(string setKey)
    {
        if (!Sets.TryGetValue((serviceId, setKey), out var set)) return Task.FromResult<IReadOnlyCollection<string>>([]);
        lock (set) return Task.FromResult<IReadOnlyCollection<string>>([.. set]);
    }

    public Task Apply(string setKey, IReadOnlyCollection<string> added, IReadOnlyCollection<string> removed)
    {
        var set = Sets.GetOrAdd((serviceId, setKey), static _ => new HashSet<string>(StringComparer.Ordinal));
        lock (set)
        {
            set.ExceptWith(removed);
            set.UnionWith(added);
        }
        return Task.CompletedTask;
    }

    public Task Clear(string setKey)
    {
        if (Sets.TryGetValue((serviceId, setKey), out var set))
            lock (set) set.Clear();
        return Task.CompletedTask;
    }
}
