namespace ProfileGrid.Events;

/// <summary>
/// The ids of the events on one timeline, for the check every applied event makes that it is not there already (a
/// re-send). Kept as a sorted array of the ids' hash codes, 4 bytes an event, where a set of the strings took about
/// 40 (0.8 KB for a profile of 20 events, in every active profile); a hash found is confirmed against the timeline itself, which
/// happens only for a re-sent event or a collision. Lives in memory only (the hash is the process's own).
/// </summary>
public sealed class EventIdSet
{
    private readonly Func<string, int> _hash;
    private int[] _hashes;
    private int _count;

    /// <summary>The ids of <paramref name="timeline"/>.</summary>
    public EventIdSet(IReadOnlyList<CustomerEvent> timeline) : this(timeline, StringComparer.Ordinal.GetHashCode)
    {
    }

    /// <summary>With another hash of the ids (tests use one that collides).</summary>
    public EventIdSet(IReadOnlyList<CustomerEvent> timeline, Func<string, int> hash)
    {
        _hash = hash;
        _hashes = new int[Math.Max(4, timeline.Count)];
        foreach (var e in timeline) _hashes[_count++] = hash(e.Id);
        Array.Sort(_hashes, 0, _count);
    }

    /// <summary>Ids held (an id added twice counts twice).</summary>
    public int Count => _count;

    /// <summary>Whether <paramref name="id"/> is on <paramref name="timeline"/>, the timeline this set follows.</summary>
    public bool Contains(string id, IReadOnlyList<CustomerEvent> timeline)
    {
        if (Array.BinarySearch(_hashes, 0, _count, _hash(id)) < 0) return false;
        foreach (var e in timeline)
            if (string.Equals(e.Id, id, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>An event with <paramref name="id"/> joined the timeline.</summary>
    public void Add(string id)
    {
        var hash = _hash(id);
        var at = Array.BinarySearch(_hashes, 0, _count, hash);
        if (at < 0) at = ~at;
        if (_count == _hashes.Length) Array.Resize(ref _hashes, _hashes.Length * 2);
        Array.Copy(_hashes, at, _hashes, at + 1, _count - at);
        _hashes[at] = hash;
        _count++;
    }

    /// <summary>An event with <paramref name="id"/> left the timeline.</summary>
    public void Remove(string id)
    {
        var at = Array.BinarySearch(_hashes, 0, _count, _hash(id));
        if (at < 0) return;
        Array.Copy(_hashes, at + 1, _hashes, at, _count - at - 1);
        _count--;
    }
}
