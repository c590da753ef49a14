using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using ProfileGrid.Hosting;
using ProfileGrid.Profiles;
using ProfileGrid.Storage;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// Evaluating a new segment over every profile writes only the profiles it changed: a membership, a window to
/// watch. The others keep their stored state (over PostgreSQL a write per profile would be most of the walk),
/// and evaluate the segments defined since on their next pass; one left that many catalogue revisions behind is
/// written anyway.
/// </summary>
[Collection(SegmentsClusterCollection.Name)]
public sealed class BatchWalkStorageTests(SegmentsClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private string U(string s) => $"{s}-{_run}";
    private DateTimeOffset Now => fixture.Clock.GetUtcNow();

    [Fact]
    public async Task A_walk_writes_the_profiles_that_enter_and_leaves_the_others_as_stored()
    {
        await _grains.IngestAccepted(Grid.Event("commerce.purchase", ("ecid", U("buyer"))).At(Now.AddDays(-1), attributes: $"{{\"run\":\"{_run}\"}}"));
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", U("viewer"))).At(Now.AddDays(-1), attributes: $"{{\"run\":\"{_run}\"}}"));
        var (buyer, viewer) = (await _grains.ProfileOf("ecid", U("buyer")), await _grains.ProfileOf("ecid", U("viewer")));
        await fixture.Deactivate(buyer);
        await fixture.Deactivate(viewer);
        var (buyerBefore, viewerBefore) = (await Stored(buyer), await Stored(viewer));

        var buyers = U("buyers");
        await fixture.Define(buyers, $"exists(events where type = \"commerce.purchase\" and attributes.run = \"{_run}\")");
        Assert.Equal([buyer], await _grains.Audience(buyers));
        Assert.NotEqual(buyerBefore.ETag, (await Stored(buyer)).ETag);
        var viewerAfter = await Stored(viewer);
        Assert.Equal(viewerBefore.ETag, viewerAfter.ETag);
        Assert.Equal(viewerBefore.State.Segments.CatalogVersion, viewerAfter.State.Segments.CatalogVersion);

        // The buyer's membership was stored; the viewer, woken again, evaluates what it left unwritten and stays out.
        await fixture.Deactivate(buyer);
        Assert.Contains(buyers, await _grains.SegmentsOf(buyer));
        Assert.DoesNotContain(buyers, await _grains.SegmentsOf(viewer));

        // A window to watch is a change: someone who viewed a page a day ago leaves "viewed this week" in six days.
        await fixture.Deactivate(viewer);
        var viewedThisWeek = U("viewed-this-week");
        await fixture.Define(viewedThisWeek, $"exists(events where type = \"web.pageView\" and attributes.run = \"{_run}\" within 7d)");
        var watching = await Stored(viewer);
        Assert.NotEqual(viewerBefore.ETag, watching.ETag);
        Assert.Equal(Now.AddDays(6), watching.State.Segments.Entries[viewedThisWeek].NextChange);
    }

    [Fact]
    public async Task A_profile_left_behind_by_many_definitions_is_written_anyway()
    {
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", U("dormant"))).At(Now.AddDays(-1), attributes: $"{{\"run\":\"{_run}\"}}"));
        var dormant = await _grains.ProfileOf("ecid", U("dormant"));
        await fixture.Deactivate(dormant);
        var before = await Stored(dormant);

        // Segments the person is not in, each evaluated over every profile: all but the last leave it unwritten.
        var written = false;
        for (var i = 0; i < ProfileGrain.MaxUnwrittenCatalogRevisions + 2 && !written; i++)
        {
            await fixture.Define(U($"plus-{i}"), $"traits.tier = \"plus-{_run}-{i}\"");
            written = (await Stored(dormant)).ETag != before.ETag;
            await fixture.Deactivate(dormant);
        }

        Assert.True(written, $"still unwritten after {ProfileGrain.MaxUnwrittenCatalogRevisions + 2} definitions");
        var after = await Stored(dormant);
        Assert.True(after.State.Segments.CatalogVersion - before.State.Segments.CatalogVersion >= ProfileGrain.MaxUnwrittenCatalogRevisions,
            $"written after {after.State.Segments.CatalogVersion - before.State.Segments.CatalogVersion} revisions");
    }

    private async Task<(string? ETag, ProfileState State)> Stored(string profileId)
    {
        var storage = fixture.Cluster.GetActiveSilos().OfType<InProcessSiloHandle>().First().SiloHost.Services
            .GetRequiredKeyedService<IGrainStorage>(ProfileGridStorage.Name);
        var state = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", GrainId.Create("profile", profileId), state);
        Assert.True(state.RecordExists, $"profile {profileId} is not stored");
        return (state.ETag, state.State!);
    }
}
