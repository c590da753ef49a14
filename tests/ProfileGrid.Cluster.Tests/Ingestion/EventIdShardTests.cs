using ProfileGrid.Hosting;
using ProfileGrid.Ingestion;

namespace ProfileGrid.Cluster.Tests.Ingestion;

/// <summary>
/// The embedded journal's event-id shards keep 128-bit hashes of the ids they claimed, not the ids: a claim is
/// still exact (a re-sent id is seen, any other id is new, case counts) and a release frees the id again.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EventIdShardTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task A_claimed_id_is_seen_again_another_is_new_and_a_released_one_is_new_again()
    {
        var run = Guid.NewGuid().ToString("N");
        // A shard of its own, so the ids are only this test's.
        var shard = _grains.EventIds(900_000 + Random.Shared.Next(100_000));

        Assert.Equal(new[] { true, true, true }, await shard.TryClaim([$"a-{run}", $"b-{run}", $"A-{run}"]));
        Assert.Equal(new[] { false, true, false }, await shard.TryClaim([$"a-{run}", $"c-{run}", $"A-{run}"]));

        await shard.Release([$"a-{run}"]);
        Assert.Equal(new[] { true, false }, await shard.TryClaim([$"a-{run}", $"b-{run}"]));
    }

    [Fact]
    public void Hashes_are_stable_and_distinct_across_many_similar_ids()
    {
        Assert.Equal(EventIdShardGrain.HashOf("evt-1"), EventIdShardGrain.HashOf(new string("evt-1".ToCharArray())));
        Assert.NotEqual(EventIdShardGrain.HashOf("evt-1"), EventIdShardGrain.HashOf("EVT-1"));
        Assert.NotEqual(EventIdShardGrain.HashOf(""), EventIdShardGrain.HashOf("\0"));
        // The same hash everywhere and across restarts: the text's own bytes, no per-process seed.
        Assert.Equal(new Guid("78eb4a3a-e418-f451-e6df-671ce834553f"), EventIdShardGrain.HashOf("evt-1"));

        var seen = new HashSet<Guid>();
        for (var i = 0; i < 200_000; i++) Assert.True(seen.Add(EventIdShardGrain.HashOf($"evt-{i}")), $"evt-{i} collided");
    }
}
