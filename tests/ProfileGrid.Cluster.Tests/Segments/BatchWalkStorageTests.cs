using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using ProfileGrid.Hosting;
using ProfileGrid.Profiles;
using ProfileGrid.Segments;
using ProfileGrid.Storage;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// Evaluating a new segment over every profile writes only the profiles it changed: a membership, a window to
/// watch. The others keep their stored state (over PostgreSQL a write per profile would be most of the walk),
/// and evaluate the segments defined since on their next pass; one left that many catalogue revisions behind is
/// written anyway.
/// </summary>
[Collection(SegmentsClusterCollection.Name)]
public sealed class BatchWalkStorageTests(SegmentsClusterFixture fixture) : SegmentsTest(fixture)
{
    [Fact]
    public async Task A_walk_writes_the_profiles_that_enter_and_leaves_the_others_as_stored()
    {
        await Grains.IngestAccepted(Grid.Event("commerce.purchase", ("ecid", U("buyer"))).At(Now.AddDays(-1), attributes: $"{{\"run\":\"{Run}\"}}"));
        await Grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", U("viewer"))).At(Now.AddDays(-1), attributes: $"{{\"run\":\"{Run}\"}}"));
        var (buyer, viewer) = (await Grains.ProfileOf("ecid", U("buyer")), await Grains.ProfileOf("ecid", U("viewer")));
        await Fixture.Deactivate(buyer);
        await Fixture.Deactivate(viewer);
        var (buyerBefore, viewerBefore) = (await Stored(buyer), await Stored(viewer));

        var buyers = U("buyers");
        await Fixture.Define(buyers, $"exists(events where type = \"commerce.purchase\" and attributes.run = \"{Run}\")");
        Assert.Equal([buyer], await Grains.Audience(buyers));
        Assert.NotEqual(buyerBefore.ETag, (await Stored(buyer)).ETag);
        var viewerAfter = await Stored(viewer);
        Assert.Equal(viewerBefore.ETag, viewerAfter.ETag);
        Assert.Equal(viewerBefore.State.Segments.CatalogVersion, viewerAfter.State.Segments.CatalogVersion);

        // The buyer's membership was stored; the viewer, woken again, evaluates what it left unwritten and stays out.
        await Fixture.Deactivate(buyer);
        Assert.Contains(buyers, await Grains.SegmentsOf(buyer));
        Assert.DoesNotContain(buyers, await Grains.SegmentsOf(viewer));

        // A window to watch is a change: someone who viewed a page a day ago leaves "viewed this week" in six days.
        await Fixture.Deactivate(viewer);
        var viewedThisWeek = U("viewed-this-week");
        await Fixture.Define(viewedThisWeek, $"exists(events where type = \"web.pageView\" and attributes.run = \"{Run}\" within 7d)");
        var watching = await Stored(viewer);
        Assert.NotEqual(viewerBefore.ETag, watching.ETag);
        Assert.Equal(Now.AddDays(6), watching.State.Segments.Entries[viewedThisWeek].NextChange);
    }

    [Fact]
    public async Task A_profile_left_behind_by_many_definitions_is_written_anyway()
    {
        await Grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", U("dormant"))).At(Now.AddDays(-1), attributes: $"{{\"run\":\"{Run}\"}}"));
        var dormant = await Grains.ProfileOf("ecid", U("dormant"));
        await Fixture.Deactivate(dormant);
        var before = await Stored(dormant);

        // Segments the person is not in, each evaluated over every profile: all but the last leave it unwritten.
        var written = false;
        for (var i = 0; i < ProfileGrain.MaxUnwrittenCatalogRevisions + 2 && !written; i++)
        {
            await Fixture.Define(U($"plus-{i}"), $"traits.tier = \"plus-{Run}-{i}\"");
            written = (await Stored(dormant)).ETag != before.ETag;
            await Fixture.Deactivate(dormant);
        }

        Assert.True(written, $"still unwritten after {ProfileGrain.MaxUnwrittenCatalogRevisions + 2} definitions");
        var after = await Stored(dormant);
        Assert.True(after.State.Segments.CatalogVersion - before.State.Segments.CatalogVersion >= ProfileGrain.MaxUnwrittenCatalogRevisions,
            $"written after {after.State.Segments.CatalogVersion - before.State.Segments.CatalogVersion} revisions");
    }

    [Fact]
    public async Task A_walk_leaves_out_the_profiles_minted_after_it_began()
    {
        // Ids as the grid mints them, one an hour ago and one an hour from now (a profile the walk would find
        // created while it runs: it evaluated the segment itself).
        var earlier = Guid.CreateVersion7(DateTimeOffset.UtcNow.AddHours(-1)).ToString("N");
        var later = Guid.CreateVersion7(DateTimeOffset.UtcNow.AddHours(1)).ToString("N");
        var shard = Grains.GetGrain<IProfileDirectoryGrain>(0);
        await shard.Register(earlier);
        await shard.Register(later);
        try
        {
            await Fixture.Define(U("any"), $"traits.tier = \"{Run}\"");

            Assert.NotEqual(0, WalkVisits.Of(earlier));
            Assert.Equal(0, WalkVisits.Of(later));
        }
        finally
        {
            await shard.Unregister(earlier);
            await shard.Unregister(later);
        }
    }

    private async Task<(string? ETag, ProfileState State)> Stored(string profileId)
    {
        var storage = Fixture.SiloServices.GetRequiredKeyedService<IGrainStorage>(ProfileGridStorage.Name);
        var state = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", GrainId.Create("profile", profileId), state);
        Assert.True(state.RecordExists, $"profile {profileId} is not stored");
        return (state.ETag, state.State!);
    }
}
