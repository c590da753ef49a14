using ProfileGrid.Segments;

namespace ProfileGrid.Durability.Tests.Restarts;

/// <summary>
/// The directory of profiles and the segment audiences are stored by delta in PostgreSQL
/// (<c>profilegrid_profile_sets</c>), not as grain state; a full restart reads them back.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class SegmentRestartTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task The_profile_directory_and_segment_audiences_survive_a_full_restart()
    {
        var run = $"segrst{Guid.NewGuid():N}"[..14];
        var connectionString = await postgres.CreateDatabaseAsync("segment_restart");
        var buyers = $"buyers-{run}";

        string[] directoryBefore;
        string[] audienceBefore;
        await using (var first = await DurableCluster.StartAsync(connectionString, run))
        {
            // The segment comes after the people: its batch evaluation walks the directory.
            await first.Grains.IngestAll([.. Enumerable.Range(0, 12).SelectMany(person => Visits(run, person))]);
            await SegmentQueries.DefinedAsync(first.Grains, buyers, $"exists(events where type = \"test.bought\" and attributes.run = \"{run}\")");

            directoryBefore = await SegmentQueries.DirectoryAsync(first.Grains);
            audienceBefore = await SegmentQueries.AudienceAsync(first.Grains, buyers);
        }

        await using var second = await DurableCluster.StartAsync(connectionString, run);
        var directoryAfter = await SegmentQueries.DirectoryAsync(second.Grains);
        var audienceAfter = await SegmentQueries.AudienceAsync(second.Grains, buyers);
        // A change after the restart (live evaluation of a new profile) lands on top of what was read back.
        await second.Grains.IngestAll([.. Visits(run, 12)]);
        var newcomer = (await second.Grains.Lookup("ecid", Device(run, 12)))!.Id;

        Assert.Equal(12, directoryBefore.Length);
        Assert.Equal(6, audienceBefore.Length);
        Assert.Equal(directoryBefore, directoryAfter);
        Assert.Equal(audienceBefore, audienceAfter);
        Assert.Equal(SegmentQueries.Sorted([.. directoryBefore, newcomer]), await SegmentQueries.DirectoryAsync(second.Grains));
        Assert.Equal(SegmentQueries.Sorted([.. audienceBefore, newcomer]), await SegmentQueries.AudienceAsync(second.Grains, buyers));
        Assert.Equal(
            directoryBefore.Length + 1L,
            await Sql.ScalarAsync<long>(connectionString, $"SELECT count(*) FROM profilegrid_profile_sets WHERE service_id = '{run}' AND set_key LIKE 'directory/%'"));
    }

    [PostgresFact]
    public async Task A_time_window_flips_after_a_full_restart_with_no_new_event()
    {
        var run = $"segrem{Guid.NewGuid():N}"[..14];
        var connectionString = await postgres.CreateDatabaseAsync("segment_reminder_restart");
        var recent = $"recent-{run}";
        // The one-minute window of this visit closes 40 s from now: after the restart below.
        var closesAt = DateTimeOffset.UtcNow.AddSeconds(40);
        var visit = new RawEvent
        {
            Id = $"{run}-visit",
            Type = "web.pageView",
            Timestamp = closesAt.AddMinutes(-1).ToString("O"),
            Identities = [new RawIdentity("ecid", Device(run, 0))],
            AttributesJson = $$"""{"run": "{{run}}"}""",
        };

        string profile;
        await using (var first = await DurableCluster.StartAsync(connectionString, run, silos: 1))
        {
            await SegmentQueries.DefinedAsync(first.Grains, recent, $"exists(events where type = \"web.pageView\" and attributes.run = \"{run}\" within 1m)");
            await first.Grains.IngestAll([visit]);
            profile = (await first.Grains.Lookup("ecid", Device(run, 0)))!.Id;
            Assert.Equal([profile], await SegmentQueries.AudienceAsync(first.Grains, recent));
        }
        Assert.True(DateTimeOffset.UtcNow < closesAt.AddSeconds(-5), "the restart took longer than the window left; the test proves nothing");

        // Nothing calls the profile after the restart: the reminder stored in PostgreSQL wakes it.
        await using var second = await DurableCluster.StartAsync(connectionString, run, silos: 1);
        var deadline = closesAt.AddSeconds(60);
        while ((await SegmentQueries.AudienceAsync(second.Grains, recent)).Length > 0 && DateTimeOffset.UtcNow < deadline) await Task.Delay(250);

        Assert.Empty(await SegmentQueries.AudienceAsync(second.Grains, recent));
        Assert.True(DateTimeOffset.UtcNow >= closesAt, "the person left the segment before the window closed");
        var (memberships, _) = await second.Grains.GetGrain<IProfileSegmentsGrain>(profile).GetSegments();
        var membership = Assert.Single(memberships, m => m.SegmentId == recent);
        Assert.Equal(MembershipStatus.Exited, membership.Status);
    }

    private static string Device(string run, int person) => $"{run}-device-{person}";

    /// <summary>Every person visits; the even ones also buy.</summary>
    private static IEnumerable<RawEvent> Visits(string run, int person)
    {
        var types = person % 2 == 0 ? new[] { "web.pageView", "test.bought" } : ["web.pageView"];
        return types.Select(type => new RawEvent
        {
            Id = $"{run}-{person}-{type}",
            Type = type,
            Timestamp = DateTimeOffset.UtcNow.AddDays(-1).ToString("O"),
            Identities = [new RawIdentity("ecid", Device(run, person))],
            AttributesJson = $$"""{"run": "{{run}}"}""",
        });
    }
}
