using ProfileGrid.Segments;

namespace ProfileGrid.Durability.Tests.Storage;

/// <summary>
/// A profile in a time-window segment arms a durable reminder for the moment the window passes. When the reminder
/// table refuses the registration, nobody may call that profile again, so it tries again by itself shortly after.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class ReminderRetryTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task A_segment_reminder_the_reminder_table_refused_is_armed_again_without_another_call()
    {
        var run = $"remretry{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("reminder_retry");
        await using var grid = await DurableCluster.StartAsync(connectionString, run, silos: 1);
        var recent = $"recent-{run}";
        await SegmentQueries.DefinedAsync(grid.Grains, recent, $"exists(events where type = \"web.pageView\" and attributes.run = \"{run}\" within 1h)");

        // The reminder table refuses this service's rows, as a database that is failing over would.
        await Sql.ExecuteAsync(connectionString, $"""
            CREATE FUNCTION refuse_reminders() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'reminders refused by the test'; END $$;
            CREATE TRIGGER refuse_reminders BEFORE INSERT OR UPDATE ON OrleansRemindersTable
                FOR EACH ROW WHEN (NEW.ServiceId = '{run}') EXECUTE FUNCTION refuse_reminders();
            """);
        var visit = People.Numbered(run, 0, "web.pageView", ("ecid", $"{run}-device")) with { Timestamp = DateTimeOffset.UtcNow.ToString("O") };
        Assert.Equal(1, (await grid.Grains.IngestAll([visit])).Accepted);
        var profile = (await grid.Grains.Lookup("ecid", $"{run}-device"))!.Id;
        var (memberships, _) = await grid.Grains.GetGrain<IProfileSegmentsGrain>(profile).GetSegments();
        Assert.Equal(MembershipStatus.Realized, Assert.Single(memberships, m => m.SegmentId == recent).Status);
        Assert.Equal(0L, await Reminders(connectionString, run, profile));

        await Sql.ExecuteAsync(connectionString, "DROP TRIGGER refuse_reminders ON OrleansRemindersTable; DROP FUNCTION refuse_reminders();");

        // No call reaches the profile from here on: its own retry arms the reminder.
        await Waiting.UntilAsync(async () => await Reminders(connectionString, run, profile) == 1, TimeSpan.FromSeconds(30), "the segment reminder armed again");
    }

    private static Task<long> Reminders(string connectionString, string serviceId, string profileId) =>
        Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM OrleansRemindersTable WHERE ServiceId = @service AND GrainId LIKE '%' || @profile",
            ("service", serviceId), ("profile", profileId));
}
