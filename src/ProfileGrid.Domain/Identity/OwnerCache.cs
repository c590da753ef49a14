using System.Collections.Concurrent;

namespace ProfileGrid.Identity;

/// <summary>
/// A host-local memory of which profile each identity belonged to when last seen. It is only a hint, checked
/// against the profile itself. Ingestion applies an event of a known person in one grain call (the profile checks
/// that every identity is in its own graph; a stale hint is answered Conflict or Redirect and costs a retry, never
/// a wrong write); a lookup by identity reads the profile in one call (a view that no longer lists the identity
/// sends the lookup to the identity's grain, the owner of record).
/// </summary>
public sealed class OwnerCache(int capacity = OwnerCache.DefaultCapacity)
{
    /// <summary>Entries kept before the cache starts over; bounded so memory stays flat.</summary>
    public const int DefaultCapacity = 1_000_000;
    private readonly ConcurrentDictionary<IdentityKey, string> _owners = new();

    // Counted here because ConcurrentDictionary.Count takes every one of the dictionary's locks, and
    // Remember runs on every event: reading it there serialised all ingestion threads. Approximate
    // under races (a clear racing an add), which only moves the moment the cache starts over.
    private int _count;

    public bool TryGet(IdentityKey identity, out string profileId) => _owners.TryGetValue(identity, out profileId!);

    /// <summary>Entries held now (approximate while other threads add or remove).</summary>
    public int Count => Volatile.Read(ref _count);

    public void Remember(IEnumerable<IdentityKey> identities, string profileId)
    {
        if (Volatile.Read(ref _count) >= capacity)
        {
            _owners.Clear();
            Volatile.Write(ref _count, 0);
        }

        foreach (var identity in identities)
        {
            if (_owners.TryGetValue(identity, out var known) && known == profileId) continue;
            if (_owners.TryAdd(identity, profileId)) Interlocked.Increment(ref _count);
            else _owners[identity] = profileId;
        }
    }

    public void Forget(IEnumerable<IdentityKey> identities)
    {
        foreach (var identity in identities)
        {
            if (_owners.TryRemove(identity, out _)) Interlocked.Decrement(ref _count);
        }
    }
}
