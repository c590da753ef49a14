using ProfileGrid.Segments;

namespace ProfileGrid.Durability.Tests.Restarts;

/// <summary>
/// The directory of profiles and the segment audiences are stored by delta in PostgreSQL
/// (<c>profilegrid_profile_sets</c>), not as grain state; a full restart reads them back.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class SegmentRestartTests(PostgresServerFixture postgres)
{
    private const int Shards = 16;

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
            var defined = await first.Grains.GetGrain<ISegmentRegistryGrain>(0).Define(buyers, buyers, $"exists(events where type = \"test.bought\" and attributes.run = \"{run}\")");
            Assert.True(defined.Succeeded);
            await Evaluated(first.Grains, buyers);

            directoryBefore = await Directory(first.Grains);
            audienceBefore = await Audience(first.Grains, buyers);
        }

        await using var second = await DurableCluster.StartAsync(connectionString, run);
        var directoryAfter = await Directory(second.Grains);
        var audienceAfter = await Audience(second.Grains, buyers);
        // A change after the restart (live evaluation of a new profile) lands on top of what was read back.
        await second.Grains.IngestAll([.. Visits(run, 12)]);
        var newcomer = (await second.Grains.Lookup("ecid", Device(run, 12)))!.Id;

        Assert.Equal(12, directoryBefore.Length);
        Assert.Equal(6, audienceBefore.Length);
        Assert.Equal(directoryBefore, directoryAfter);
        Assert.Equal(audienceBefore, audienceAfter);
        Assert.Equal(Sorted([.. directoryBefore, newcomer]), await Directory(second.Grains));
        Assert.Equal(Sorted([.. audienceBefore, newcomer]), await Audience(second.Grains, buyers));
        Assert.Equal(
            directoryBefore.Length + 1L,
            await ScalarAsync(connectionString, $"SELECT count(*) FROM profilegrid_profile_sets WHERE service_id = '{run}' AND set_key LIKE 'directory/%'"));
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
            var defined = await first.Grains.GetGrain<ISegmentRegistryGrain>(0).Define(recent, recent, $"exists(events where type = \"web.pageView\" and attributes.run = \"{run}\" within 1m)");
            Assert.True(defined.Succeeded);
            await Evaluated(first.Grains, recent);
            await first.Grains.IngestAll([visit]);
            profile = (await first.Grains.Lookup("ecid", Device(run, 0)))!.Id;
            Assert.Equal([profile], await Audience(first.Grains, recent));
        }
        Assert.True(DateTimeOffset.UtcNow < closesAt.AddSeconds(-5), "the restart took longer than the window left; the test proves nothing");

        // Nothing calls the profile after the restart: the reminder stored in PostgreSQL wakes it.
        await using var second = await DurableCluster.StartAsync(connectionString, run, silos: 1);
        var deadline = closesAt.AddSeconds(60);
        while ((await Audience(second.Grains, recent)).Length > 0 && DateTimeOffset.UtcNow < deadline) await Task.Delay(250);

        Assert.Empty(await Audience(second.Grains, recent));
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

    private static async Task Evaluated(IGrainFactory grains, string segmentId)
    {
        for (var i = 0; i < 600; i++)
        {
            if ((await grains.GetGrain<ISegmentRegistryGrain>(0).Get(segmentId))?.Evaluation.Status == SegmentEvaluationStatus.Completed) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"segment {segmentId} was not evaluated within 30 s");
    }

    private static Task<string[]> Directory(IGrainFactory grains) =>
        AllPages(Enumerable.Range(0, Shards).Select(shard => (Func<string?, Task<ProfileIdPage>>)(after => grains.GetGrain<IProfileDirectoryGrain>(shard).Page(after, 100))));

    private static Task<string[]> Audience(IGrainFactory grains, string segmentId) =>
        AllPages(Enumerable.Range(0, Shards).Select(shard => (Func<string?, Task<ProfileIdPage>>)(after =>
            grains.GetGrain<ISegmentAudienceGrain>(SegmentShards.AudienceKey(segmentId, shard)).Page(after, 100))));

    private static async Task<string[]> AllPages(IEnumerable<Func<string?, Task<ProfileIdPage>>> shards)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var page in shards)
        {
            string? after = null;
            while (true)
            {
                var current = await page(after);
                ids.UnionWith(current.ProfileIds);
                if (!current.HasMore) break;
                after = current.ProfileIds[^1];
            }
        }
        return Sorted(ids);
    }

    private static string[] Sorted(IEnumerable<string> ids) => [.. ids.Order(StringComparer.Ordinal)];

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
