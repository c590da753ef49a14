using ProfileGrid.Hosting;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>One audience shard keeps a set per segment; one call carries changes for many segments and profiles.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AudienceShardTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task One_call_changes_the_sets_of_several_segments_and_a_later_change_of_a_profile_wins()
    {
        var (a, b) = ($"a-{Guid.NewGuid():N}", $"b-{Guid.NewGuid():N}");
        var shard = _grains.AudienceShard(5);

        await shard.Apply([
            new AudienceChange(a, "p-1", Entered: true),
            new AudienceChange(b, "p-1", Entered: true),
            new AudienceChange(a, "p-2", Entered: true),
            new AudienceChange(b, "p-2", Entered: true),
            new AudienceChange(b, "p-2", Entered: false),
        ]);

        Assert.Equal<string>(["p-1", "p-2"], (await shard.Page(a, null, 10)).ProfileIds);
        Assert.Equal<string>(["p-1"], (await shard.Page(b, null, 10)).ProfileIds);

        await shard.Apply([new AudienceChange(a, "p-1", Entered: false), new AudienceChange(a, "p-1", Entered: false)]);
        Assert.Equal(1, await shard.Count(a));
        Assert.Equal(1, await shard.Count(b));
    }

    [Fact]
    public async Task Clearing_one_segment_leaves_the_others_and_the_segment_starts_empty_if_it_comes_back()
    {
        var (kept, deleted) = ($"kept-{Guid.NewGuid():N}", $"deleted-{Guid.NewGuid():N}");
        var shard = _grains.AudienceShard(6);
        await shard.Apply([new AudienceChange(kept, "p-1", Entered: true), new AudienceChange(deleted, "p-1", Entered: true)]);

        await shard.Clear(deleted);

        Assert.Equal(0, await shard.Count(deleted));
        Assert.Equal(1, await shard.Count(kept));
        await shard.Apply([new AudienceChange(deleted, "p-9", Entered: true)]);
        Assert.Equal<string>(["p-9"], (await shard.Page(deleted, null, 10)).ProfileIds);
    }

    [Fact]
    public async Task Pages_go_in_id_order_from_after_the_given_id()
    {
        var segment = $"paged-{Guid.NewGuid():N}";
        var shard = _grains.AudienceShard(7);
        await shard.Apply([.. new[] { "p-3", "p-1", "p-4", "p-2" }.Select(p => new AudienceChange(segment, p, Entered: true))]);

        var first = await shard.Page(segment, null, 2);
        var second = await shard.Page(segment, first.ProfileIds[^1], 2);

        Assert.Equal<string>(["p-1", "p-2"], first.ProfileIds);
        Assert.True(first.HasMore);
        Assert.Equal<string>(["p-3", "p-4"], second.ProfileIds);
        Assert.False(second.HasMore);
    }
}
