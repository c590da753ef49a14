namespace ProfileGrid.Ingestion;

[GenerateSerializer]
public sealed class EventIdShardState
{
    [Id(0)] public HashSet<string> Seen { get; set; } = new(StringComparer.Ordinal);
}

public sealed class EventIdShardGrain(
    [PersistentState("eventids", ProfileGridStorage.Name)] IPersistentState<EventIdShardState> state) : Grain, IEventIdShardGrain
{
    /// <summary>Shards of the event-id space. Fixed for the life of a deployment: changing it forgets ids.</summary>
    public const int ShardCount = 64;

    public async Task<bool[]> TryClaim(ImmutableArray<string> eventIds)
    {
        var fresh = new bool[eventIds.Length];
        for (var i = 0; i < eventIds.Length; i++) fresh[i] = state.State.Seen.Add(eventIds[i]);
        if (fresh.Any(f => f)) await state.WriteStateAsync();
        return fresh;
    }

    public async Task Release(ImmutableArray<string> eventIds)
    {
        foreach (var id in eventIds) state.State.Seen.Remove(id);
        await state.WriteStateAsync();
    }

    /// <summary>A stable shard for an id (FNV-1a): the same on every silo and across restarts.</summary>
    public static int ShardOf(string eventId)
    {
        var hash = 2166136261u;
        foreach (var c in eventId) hash = (hash ^ c) * 16777619u;
        return (int)(hash % ShardCount);
    }
}
