using ProfileGrid.Segments;

namespace ProfileGrid.Durability.Tests.Crashes;

/// <summary>
/// A call that fails after its profile wrote a new membership (a merge whose identity re-pointing then fails) must
/// still update the audience and publish the change: the stored membership will not be evaluated as new again.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class FailedCallSegmentTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task A_membership_written_by_a_merge_that_then_failed_reaches_the_audience()
    {
        var run = $"failmerge{Guid.NewGuid():N}"[..16];
        var connectionString = await postgres.CreateDatabaseAsync("failed_call_segments");
        await using var grid = await DurableCluster.StartAsync(connectionString, run, silos: 1);
        var busy = $"busy-{run}";
        await SegmentQueries.DefinedAsync(grid.Grains, busy, $"count(events where attributes.run = \"{run}\") >= 2");

        var (phone, laptop) = ($"{run}-phone", $"{run}-laptop");
        Assert.Equal(1, (await grid.Grains.IngestAll([People.Numbered(run, 0, "web.pageView", ("ecid", phone))])).Accepted);
        await Task.Delay(5); // profile ids order by creation time, to the millisecond
        Assert.Equal(1, (await grid.Grains.IngestAll([People.Numbered(run, 1, "web.pageView", ("ecid", laptop))])).Accepted);
        var (older, newer) = ((await grid.Grains.Lookup("ecid", phone))!.Id, (await grid.Grains.Lookup("ecid", laptop))!.Id);
        Assert.True(string.CompareOrdinal(older, newer) < 0);

        // Linking the devices merges the newer profile into the older, which then holds two events and enters
        // the segment; re-pointing the laptop from the merged profile then fails once.
        var link = People.Numbered(run, 2, "web.pageView", ("ecid", phone), ("ecid", laptop));
        IngestResult cut;
        using (CallFaults.Refuse(nameof(IIdentityGrain.CompareAndSetOwner), call => call.Request.GetArgument(0) as string == newer, times: 1))
        {
            cut = await grid.Grains.GetGrain<IIngestGrain>(0).Ingest([link]);
            Assert.Equal(1, CallFaults.Refused);
        }
        Assert.Equal(0, cut.Accepted);
        var again = await grid.Grains.GetGrain<IIngestGrain>(0).Ingest([link]);
        Assert.Equal(1, again.Accepted + again.Duplicates);

        var person = (await grid.Grains.Lookup("ecid", laptop))!;
        Assert.Equal(older, person.Id);
        Assert.Equal(3, person.Events.Length);
        var (memberships, _) = await grid.Grains.GetGrain<IProfileSegmentsGrain>(older).GetSegments();
        Assert.Equal(MembershipStatus.Realized, Assert.Single(memberships, m => m.SegmentId == busy).Status);
        Assert.Equal([older], await SegmentQueries.AudienceAsync(grid.Grains, busy));
    }
}
