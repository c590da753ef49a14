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
    /// Adds (<paramref name="add"/>) or removes one id and stores the delta when that changed the set. When storing
    /// fails the memory is put back and the exception goes to the caller, who may send the same change again.
    /// </summary>
    public async Task Change(string id, bool add)
    {
        if (add ? !_ids.Add(id) : !_ids.Remove(id)) return;
        _sorted = null;
        string[] changed = [id];
        try
        {
            await store.Apply(setKey, add ? changed : [], add ? [] : changed);
        }
        catch
        {
            if (add) _ids.Remove(id);
            else _ids.Add(id);
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

    public Task Register(string profileId) => _set.Change(profileId, add: true);

    public Task Unregister(string profileId) => _set.Change(profileId, add: false);

    public Task<long> Count() => Task.FromResult(_set.Count);

    public Task<ProfileIdPage> Page(string? after, int count) => Task.FromResult(_set.Page(after, count));
}

/// <summary>
/// One shard of every segment's audience: a set per segment (<see cref="ProfileIdSetKeys.Audience"/>),
/// loaded from the store the first time the segment is touched here and stored by delta. Reentrant for
/// the same reason as <see cref="ProfileDirectoryGrain"/>; a change is applied to memory in the call's
/// first synchronous step once its sets are loaded, so the store sees the deltas in arrival order.
/// </summary>
[Reentrant]
public sealed class AudienceShardGrain(IProfileIdSetStore store) : Grain, IAudienceShardGrain
{
    private readonly Dictionary<string, Task<ProfileIdSet>> _sets = new(StringComparer.Ordinal);

    public Task Apply(ImmutableArray<AudienceChange> changes)
    {
        if (changes.IsDefaultOrEmpty) return Task.CompletedTask;
        if (changes.Length == 1) return ApplyOne(changes[0]);
        // Each profile's last change per segment wins; the others are skipped. The store group-commits the
        // deltas of one call (and of concurrent calls) together.
        var seen = new HashSet<(string Segment, string Profile)>(changes.Length);
        var applying = new List<Task>(changes.Length);
        for (var i = changes.Length - 1; i >= 0; i--)
            if (seen.Add((changes[i].SegmentId, changes[i].ProfileId))) applying.Add(ApplyOne(changes[i]));
        return Task.WhenAll(applying);
    }

    /// <summary>Changes memory in its first synchronous step once the set is loaded, so the store sees each set's deltas in arrival order.</summary>
    private async Task ApplyOne(AudienceChange change) =>
        await (await Set(change.SegmentId)).Change(change.ProfileId, change.Entered);

    public async Task<long> Count(string segmentId) => (await Set(segmentId)).Count;

    public async Task<ProfileIdPage> Page(string segmentId, string? after, int count) => (await Set(segmentId)).Page(after, count);

    public async Task Clear(string segmentId)
    {
        var set = await Set(segmentId);
        try
        {
            await set.Clear();
        }
        finally
        {
            // Deleted, or the memory is empty and the store perhaps not: read it again if the segment comes back.
            _sets.Remove(segmentId);
        }
    }

    private Task<ProfileIdSet> Set(string segmentId)
    {
        if (_sets.TryGetValue(segmentId, out var loaded)) return loaded;
        var loading = Load(segmentId);
        // A load that failed at once is not kept (its own clean-up ran before there was anything to remove).
        if (!loading.IsFaulted && !loading.IsCanceled) _sets[segmentId] = loading;
        return loading;
    }

    private async Task<ProfileIdSet> Load(string segmentId)
    {
        var set = new ProfileIdSet(store, ProfileIdSetKeys.Audience(segmentId, this.GetPrimaryKeyLong()));
        try
        {
            await set.Load();
            return set;
        }
        catch
        {
            // Not kept: the next call loads again.
            _sets.Remove(segmentId);
            throw;
        }
    }
}
