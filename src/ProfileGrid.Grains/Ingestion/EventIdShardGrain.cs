using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace ProfileGrid.Ingestion;

[GenerateSerializer]
public sealed class EventIdShardState
{
    /// <summary>
    /// The ids claimed, as 128-bit hashes of their text (<see cref="EventIdShardGrain.HashOf"/>): the shards stay in
    /// memory for the life of the process while the people they saw come and go, so a string per id (40 bytes for a
    /// ten-character id, 96 for a UUID, plus its set entry) became 16 bytes plus the entry. Two different ids share a
    /// hash with a probability of about 2^-128 per pair, far below any other way an event is lost. (Field 0 held the
    /// strings; it is never stored beyond the process.)
    /// </summary>
    [Id(1)] public HashSet<Guid> Seen { get; set; } = [];
}

public sealed class EventIdShardGrain(
    [PersistentState("eventids", ProfileGridStorage.Name)] IPersistentState<EventIdShardState> state) : Grain, IEventIdShardGrain
{
    /// <summary>Shards of the event-id space. Fixed for the life of a deployment: changing it forgets ids.</summary>
    public const int ShardCount = 64;

    public async Task<bool[]> TryClaim(ImmutableArray<string> eventIds)
    {
        var fresh = new bool[eventIds.Length];
        for (var i = 0; i < eventIds.Length; i++) fresh[i] = state.State.Seen.Add(HashOf(eventIds[i]));
        if (fresh.Any(f => f)) await state.WriteStateAsync();
        return fresh;
    }

    public async Task Release(ImmutableArray<string> eventIds)
    {
        foreach (var id in eventIds) state.State.Seen.Remove(HashOf(id));
        await state.WriteStateAsync();
    }

    /// <summary>An id's 128-bit hash (XxHash128 of its UTF-16 text), as the shards keep it.</summary>
    public static Guid HashOf(string eventId)
    {
        Span<byte> hash = stackalloc byte[16];
        XxHash128.Hash(MemoryMarshal.AsBytes(eventId.AsSpan()), hash);
        return new Guid(hash);
    }

    /// <summary>A stable shard for an id (FNV-1a): the same on every silo and across restarts.</summary>
    public static int ShardOf(string eventId)
    {
        var hash = 2166136261u;
        foreach (var c in eventId) hash = (hash ^ c) * 16777619u;
        return (int)(hash % ShardCount);
    }
}
