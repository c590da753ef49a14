using Orleans.Concurrency;

namespace ProfileGrid.Segments;

/// <summary>
/// What the directory and the audience shards share: a set of profile ids loaded from the
/// <see cref="IProfileIdSetStore"/> on activation, changed in memory and stored by delta, and paged in
/// ordinal order (the order is built when a page is asked for after a change).
/// </summary>
public sealed class ProfileIdSet(IProfileIdSetStore store, string setKey)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private string[]? _sorted;

    public long Count => _ids.Count;

    public async Task Load()
    {
        _ids.Clear();
        _ids.UnionWith(await store.Load(setKey));
        _sorted = null;
    }

    /// <summary>
    /// Removes <paramref name="removed"/>, then adds <paramref name="added"/>, and stores what actually
    /// changed. When storing fails the memory is put back and the exception goes to the caller, who
    /// may send the same change again.
    /// </summary>
    public async Task Change(IEnumerable<string> added, IEnumerable<string> removed)
    {
        var gone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in removed)
            if (_ids.Remove(id)) gone.Add(id);
        var come = new List<string>();
        foreach (var id in added)
        {
            if (!_ids.Add(id)) continue;
            // Removed and added again in the same change: no change at all.
            if (!gone.Remove(id)) come.Add(id);
        }
        if (come.Count == 0 && gone.Count == 0) return;
        _sorted = null;
        try
        {
            await store.Apply(setKey, come, gone);
        }
        catch
        {
            _ids.ExceptWith(come);
            _ids.UnionWith(gone);
            throw;
        }
    }

    public async Task Clear()
    {
        _ids.Clear();
        _sorted = null;
        await store.Clear(setKey);
    }

    public ProfileIdPage Page(string? after, int count)
    {
        var sorted = _sorted ??= [.. _ids.Order(StringComparer.Ordinal)];
        var start = 0;
        if (after is not null)
        {
            var at = Array.BinarySearch(sorted, after, StringComparer.Ordinal);
            start = at >= 0 ? at + 1 : ~at;
        }
        var take = Math.Max(0, Math.Min(count, sorted.Length - start));
        return new ProfileIdPage([.. sorted.AsSpan(start, take)], start + take < sorted.Length);
    }
}

/// <summary>
/// One shard of the directory; its ids are stored by delta (<see cref="IProfileIdSetStore"/>), not as grain state.
/// Reentrant, so the changes of many profiles wait for the store together (one group commit) instead of one
/// round trip after another: each call changes the memory and queues its delta in one synchronous step, so the
/// store sees the deltas in the order the memory took them; calls for one id come from its profile grain, one
/// after another, so a failed call's rollback touches no other caller's ids.
/// </summary>
[Reentrant]
public sealed class ProfileDirectoryGrain(IProfileIdSetStore store) : Grain, IProfileDirectoryGrain
{
    private ProfileIdSet _set = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _set = new ProfileIdSet(store, ProfileIdSetKeys.Directory(this.GetPrimaryKeyLong()));
        return _set.Load();
    }

    public Task Register(string profileId) => _set.Change([profileId], []);

    public Task Unregister(string profileId) => _set.Change([], [profileId]);

    public Task<long> Count() => Task.FromResult(_set.Count);

    public Task<ProfileIdPage> Page(string? after, int count) => Task.FromResult(_set.Page(after, count));
}

/// <summary>
/// One shard of one segment's audience; its ids are stored by delta (<see cref="IProfileIdSetStore"/>), not as grain
/// state. Reentrant for the same reason as <see cref="ProfileDirectoryGrain"/>.
/// </summary>
[Reentrant]
public sealed class SegmentAudienceGrain(IProfileIdSetStore store) : Grain, ISegmentAudienceGrain
{
    private ProfileIdSet _set = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _set = new ProfileIdSet(store, ProfileIdSetKeys.Audience(this.GetPrimaryKeyString()));
        return _set.Load();
    }

    public Task Apply(ImmutableArray<string> entered, ImmutableArray<string> exited) => _set.Change(entered, exited);

    public Task<long> Count() => Task.FromResult(_set.Count);

    public Task<ProfileIdPage> Page(string? after, int count) => Task.FromResult(_set.Page(after, count));

    public async Task Clear()
    {
        try
        {
            await _set.Clear();
        }
        catch
        {
            // The memory is empty, the store perhaps not: read it again on the next call.
            DeactivateOnIdle();
            throw;
        }
    }
}
