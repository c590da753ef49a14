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
        var defined = await grid.Grains.GetGrain<ISegmentRegistryGrain>(0).Define(recent, recent, $"exists(events where type = \"web.pageView\" and attributes.run = \"{run}\" within 1h)");
        Assert.True(defined.Succeeded);
        await WaitUntil(async () => (await grid.Grains.GetGrain<ISegmentRegistryGrain>(0).Get(recent))?.Evaluation.Status == SegmentEvaluationStatus.Completed);

        // The reminder table refuses this service's rows, as a database that is failing over would.
        await Execute(connectionString, $"""
            CREATE FUNCTION refuse_reminders() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'reminders refused by the test'; END $$;
            CREATE TRIGGER refuse_reminders BEFORE INSERT OR UPDATE ON OrleansRemindersTable
                FOR EACH ROW WHEN (NEW.ServiceId = '{run}') EXECUTE FUNCTION refuse_reminders();
            """);
        Assert.Equal(1, (await grid.Grains.IngestAll([new RawEvent
        {
            Id = $"{run}-visit", Type = "web.pageView", Timestamp = DateTimeOffset.UtcNow.ToString("O"),
            Identities = [new RawIdentity("ecid", $"{run}-device")], AttributesJson = $$"""{"run": "{{run}}"}""",
        }])).Accepted);
        var profile = (await grid.Grains.Lookup("ecid", $"{run}-device"))!.Id;
        var (memberships, _) = await grid.Grains.GetGrain<IProfileSegmentsGrain>(profile).GetSegments();
        Assert.Equal(MembershipStatus.Realized, Assert.Single(memberships, m => m.SegmentId == recent).Status);
        Assert.Equal(0L, await Reminders(connectionString, run, profile));

        await Execute(connectionString, "DROP TRIGGER refuse_reminders ON OrleansRemindersTable; DROP FUNCTION refuse_reminders();");

        // No call reaches the profile from here on: its own retry arms the reminder.
        await WaitUntil(async () => await Reminders(connectionString, run, profile) == 1);
    }

    private static async Task<long> Reminders(string connectionString, string serviceId, string profileId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM OrleansRemindersTable WHERE ServiceId = @service AND GrainId LIKE '%' || @profile", connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("profile", profileId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("not within 30 s");
            await Task.Delay(100);
        }
    }
}
