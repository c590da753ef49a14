namespace ProfileGrid.Segments;

/// <summary>A set of profile ids, paged in ordinal order (the order is built when a page is asked for after a change).</summary>
[GenerateSerializer]
public sealed class ProfileIdSetState
{
    [Id(0)] public HashSet<string> Ids { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The paging both the directory and the audience shards need.</summary>
public static class ProfileIdSet
{
    public static ProfileIdPage Page(ref string[]? sorted, HashSet<string> ids, string? after, int count)
    {
        sorted ??= [.. ids.Order(StringComparer.Ordinal)];
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

public sealed class ProfileDirectoryGrain(
    [PersistentState("profiledirectory", ProfileGridStorage.Name)] IPersistentState<ProfileIdSetState> state) : Grain, IProfileDirectoryGrain
{
    private string[]? _sorted;

    public async Task Register(string profileId)
    {
        if (!state.State.Ids.Add(profileId)) return;
        _sorted = null;
        await state.WriteStateAsync();
    }

    public async Task Unregister(string profileId)
    {
        if (!state.State.Ids.Remove(profileId)) return;
        _sorted = null;
        await state.WriteStateAsync();
    }

    public Task<long> Count() => Task.FromResult((long)state.State.Ids.Count);

    public Task<ProfileIdPage> Page(string? after, int count) =>
        Task.FromResult(ProfileIdSet.Page(ref _sorted, state.State.Ids, after, count));
}

public sealed class SegmentAudienceGrain(
    [PersistentState("audience", ProfileGridStorage.Name)] IPersistentState<ProfileIdSetState> state) : Grain, ISegmentAudienceGrain
{
    private string[]? _sorted;

    public async Task Apply(ImmutableArray<string> entered, ImmutableArray<string> exited)
    {
        var changed = false;
        foreach (var id in exited) changed |= state.State.Ids.Remove(id);
        foreach (var id in entered) changed |= state.State.Ids.Add(id);
        if (!changed) return;
        _sorted = null;
        await state.WriteStateAsync();
    }

    public Task<long> Count() => Task.FromResult((long)state.State.Ids.Count);

    public Task<ProfileIdPage> Page(string? after, int count) =>
        Task.FromResult(ProfileIdSet.Page(ref _sorted, state.State.Ids, after, count));

    public async Task Clear()
    {
        state.State.Ids.Clear();
        _sorted = null;
        await state.WriteStateAsync();
    }
}
