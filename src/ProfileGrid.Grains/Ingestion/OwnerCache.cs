using System.Collections.Concurrent;

namespace ProfileGrid.Ingestion;

/// <summary>
/// A silo-local memory of which profile each identity belonged to when last seen. It is only a hint:
/// the profile grain checks that every identity it is asked to apply is in its own graph, and answers
/// Conflict or Redirect when the hint is stale, so a stale entry costs a retry, never a wrong write.
/// With it, an event from a known person is one grain call.
/// </summary>
public sealed class OwnerCache
{
    /// <summary>Entries kept before the cache starts over; bounded so memory stays flat.</summary>
    public const int Capacity = 1_000_000;
    private readonly ConcurrentDictionary<IdentityKey, string> _owners = new();

    public bool TryGet(IdentityKey identity, out string profileId) => _owners.TryGetValue(identity, out profileId!);

    public void Remember(IEnumerable<IdentityKey> identities, string profileId)
    {
        if (_owners.Count > Capacity) _owners.Clear();
        foreach (var identity in identities) _owners[identity] = profileId;
    }

    public void Forget(IEnumerable<IdentityKey> identities)
    {
        foreach (var identity in identities) _owners.TryRemove(identity, out _);
    }
}
