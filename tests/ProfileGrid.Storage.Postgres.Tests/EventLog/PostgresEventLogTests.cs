using System.Text.Json;

namespace ProfileGrid.Storage.Postgres.Tests.EventLog;

public sealed class PostgresEventLogTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private static readonly DateTimeOffset Monday = new(2025, 3, 3, 9, 30, 0, TimeSpan.FromHours(1));

    [PostgresFact]
    public async Task Appended_events_read_back_as_stored()
    {
        await using var log = await CreateLogAsync();
        var purchase = Event("e-1", "purchase", ("email", "sarah@example.com"), ("crmId", "C-17")) with
        {
            Channel = "web",
            Campaign = "spring-yoga",
            Revenue = 59.9,
            AttributesJson = """{"sku": "YS-1", "size": "M"}""",
            PayloadJson = """{"id": "e-1", "type": "purchase"}""",
        };

        var outcomes = await log.AppendAsync([purchase, Event("e-2", "pageView")]);
        var stored = await ToListAsync(log.ReadAllAsync());

        Assert.Equal([AppendOutcome.Appended, AppendOutcome.Appended], outcomes);
        var first = stored[0].Event;
        Assert.Equal("e-1", first.EventId);
        Assert.Equal("purchase", first.Type);
        Assert.Equal(Monday, first.Timestamp);
        Assert.Equal(TimeSpan.Zero, first.Timestamp.Offset);
        Assert.Equal("web", first.Channel);
        Assert.Equal("spring-yoga", first.Campaign);
        Assert.Equal(59.9, first.Revenue);
        Assert.Equal([new EventIdentity("email", "sarah@example.com"), new EventIdentity("crmId", "C-17")], first.Identities);
        Assert.Equal("M", JsonDocument.Parse(first.AttributesJson!).RootElement.GetProperty("size").GetString());
        Assert.Equal("purchase", JsonDocument.Parse(first.PayloadJson!).RootElement.GetProperty("type").GetString());
        Assert.Null(stored[1].Event.Channel);
        Assert.Null(stored[1].Event.Revenue);
        Assert.Null(stored[1].Event.AttributesJson);
        Assert.Empty(stored[1].Event.Identities);
    }

    [PostgresFact]
    public async Task Events_are_idempotent_by_id_across_log_instances()
    {
        var connectionString = await CreateDatabaseAsync();
        await using (var first = PostgresEventLog.Create(connectionString))
        {
            await first.AppendAsync([Event("e-1", "pageView"), Event("e-2", "pageView")]);
            await first.MarkAppliedAsync(["e-1", "e-2"]);
        }

        await using var second = PostgresEventLog.Create(connectionString);
        var outcomes = await second.AppendAsync([Event("e-2", "pageView"), Event("e-3", "pageView"), Event("e-3", "pageView"), Event("e-1", "purchase")]);

        Assert.Equal([AppendOutcome.Duplicate, AppendOutcome.Appended, AppendOutcome.Duplicate, AppendOutcome.Duplicate], outcomes);
        Assert.Equal(3L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_events"));
        Assert.Equal("pageView", await Sql.ScalarAsync<string>(connectionString, "SELECT type FROM profilegrid_events WHERE event_id = 'e-1'"));
        Assert.Equal(new EventLogStatistics(1, 0, 1, 3), second.Statistics);
    }

    [PostgresFact]
    public async Task An_event_stored_but_never_marked_applied_is_answered_pending_until_it_is()
    {
        var connectionString = await CreateDatabaseAsync();
        var clock = new MutableClock(Monday);
        await using var log = PostgresEventLog.Create(connectionString, new PostgresEventLogOptions { TimeProvider = clock });
        await log.AppendAsync([Event("applied", "pageView"), Event("crashed", "pageView")]);
        await log.MarkAppliedAsync(["applied"]);
        clock.Now = Monday.AddMinutes(1);

        var resent = await log.AppendAsync([Event("crashed", "pageView"), Event("applied", "pageView"), Event("crashed", "pageView")]);
        var unappliedNow = await log.ReadUnappliedAsync(Monday.AddSeconds(30), limit: 10);
        var unappliedBefore = await log.ReadUnappliedAsync(Monday, limit: 10);
        await log.MarkAppliedAsync(["crashed"]);
        var afterMark = await log.AppendAsync([Event("crashed", "pageView")]);

        Assert.Equal([AppendOutcome.Pending, AppendOutcome.Duplicate, AppendOutcome.Duplicate], resent);
        Assert.Equal(["crashed"], unappliedNow.Select(stored => stored.Event.EventId));
        Assert.Empty(unappliedBefore);
        Assert.Equal([AppendOutcome.Duplicate], afterMark);
        Assert.Equal(2L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_events"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_unapplied_events"));
    }

    [PostgresFact]
    public async Task Unconfirmed_events_of_some_identities_are_read_in_order_and_only_those_stored_before_the_moment_given()
    {
        var connectionString = await CreateDatabaseAsync();
        var clock = new MutableClock(Monday);
        await using var log = PostgresEventLog.Create(connectionString, new PostgresEventLogOptions { TimeProvider = clock });
        await log.AppendAsync([
            Event("sarah-1", "pageView", ("email", "sarah@example.com")),
            Event("sarah-confirmed", "pageView", ("email", "sarah@example.com")),
            Event("bob-1", "pageView", ("email", "bob@example.com")),
            Event("sarah-device", "pageView", ("ecid", "dev-7"), ("email", "SARAH@example.com")),
        ]);
        await log.AppendAsync([Event("sarah-2", "purchase", ("crmId", "C-17"), ("email", "sarah@example.com"))]);
        await log.MarkAppliedAsync(["sarah-confirmed"]);
        clock.Now = Monday.AddMinutes(1);
        await log.AppendAsync([Event("sarah-later", "pageView", ("email", "sarah@example.com"))]);
        EventIdentity[] sarah = [new("email", "sarah@example.com"), new("ecid", "dev-7")];

        var beforeLater = await log.ReadUnappliedByIdentitiesAsync(sarah, Monday.AddSeconds(30), limit: 10);
        var all = await log.ReadUnappliedByIdentitiesAsync(sarah, Monday.AddMinutes(2), limit: 10);
        var firstTwo = await log.ReadUnappliedByIdentitiesAsync(sarah, Monday.AddMinutes(2), limit: 2);
        var none = await log.ReadUnappliedByIdentitiesAsync([], Monday.AddMinutes(2), limit: 10);

        Assert.Equal(["sarah-1", "sarah-device", "sarah-2"], beforeLater.Select(stored => stored.Event.EventId));
        Assert.Equal(["sarah-1", "sarah-device", "sarah-2", "sarah-later"], all.Select(stored => stored.Event.EventId));
        Assert.Equal(["sarah-1", "sarah-device"], firstTwo.Select(stored => stored.Event.EventId));
        Assert.Equal([new EventIdentity("crmId", "C-17"), new EventIdentity("email", "sarah@example.com")], beforeLater[2].Event.Identities);
        Assert.Empty(none);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.ReadUnappliedByIdentitiesAsync(sarah, Monday, limit: 0));
    }

    [PostgresFact]
    public async Task Events_of_some_identities_stored_since_a_moment_are_read_with_the_unconfirmed_ones_whether_confirmed_or_not()
    {
        var connectionString = await CreateDatabaseAsync();
        var clock = new MutableClock(Monday);
        await using var log = PostgresEventLog.Create(connectionString, new PostgresEventLogOptions { TimeProvider = clock });
        await log.AppendAsync([Event("sarah-old-unconfirmed", "pageView", ("email", "sarah@example.com")), Event("sarah-old-confirmed", "pageView", ("email", "sarah@example.com"))]);
        clock.Now = Monday.AddMinutes(1);
        await log.AppendAsync([
            Event("sarah-recent-confirmed", "pageView", ("email", "sarah@example.com")),
            Event("bob-recent", "pageView", ("email", "bob@example.com")),
        ]);
        clock.Now = Monday.AddMinutes(2);
        await log.AppendAsync([Event("sarah-latest-unconfirmed", "purchase", ("email", "sarah@example.com"))]);
        await log.MarkAppliedAsync(["sarah-old-confirmed", "sarah-recent-confirmed"]);
        EventIdentity[] sarah = [new("email", "sarah@example.com")];

        var sinceTheMinute = await log.ReadUnappliedByIdentitiesAsync(sarah, Monday.AddSeconds(30), limit: 10, alsoStoredSince: Monday.AddMinutes(1));
        var unconfirmedOnly = await log.ReadUnappliedByIdentitiesAsync(sarah, Monday.AddSeconds(30), limit: 10);
        var firstTwo = await log.ReadUnappliedByIdentitiesAsync(sarah, Monday.AddSeconds(30), limit: 2, alsoStoredSince: Monday.AddMinutes(1));

        Assert.Equal(["sarah-old-unconfirmed", "sarah-recent-confirmed", "sarah-latest-unconfirmed"], sinceTheMinute.Select(stored => stored.Event.EventId));
        Assert.Equal(["sarah-old-unconfirmed"], unconfirmedOnly.Select(stored => stored.Event.EventId));
        Assert.Equal(["sarah-old-unconfirmed", "sarah-recent-confirmed"], firstTwo.Select(stored => stored.Event.EventId));
    }

    [PostgresFact]
    public async Task Whether_any_event_stored_before_a_moment_is_unconfirmed()
    {
        var connectionString = await CreateDatabaseAsync();
        var clock = new MutableClock(Monday);
        await using var log = PostgresEventLog.Create(connectionString, new PostgresEventLogOptions { TimeProvider = clock });
        var emptyLog = await log.AnyUnappliedAsync(Monday.AddDays(1));
        await log.AppendAsync([Event("e-1", "pageView"), Event("e-2", "pageView")]);
        clock.Now = Monday.AddMinutes(1);
        await log.AppendAsync([Event("e-3", "pageView")]);

        var atFirst = await log.AnyUnappliedAsync(Monday.AddSeconds(1));
        var beforeAny = await log.AnyUnappliedAsync(Monday);
        await log.MarkAppliedAsync(["e-1"]);
        var oneLeft = await log.AnyUnappliedAsync(Monday.AddSeconds(1));
        await log.MarkAppliedAsync(["e-2"]);
        var olderConfirmed = await log.AnyUnappliedAsync(Monday.AddSeconds(1));
        var laterStill = await log.AnyUnappliedAsync(Monday.AddMinutes(2));

        Assert.Equal((false, true, false, true, false, true), (emptyLog, atFirst, beforeAny, oneLeft, olderConfirmed, laterStill));
    }

    [PostgresFact]
    public async Task Concurrent_appends_are_group_committed()
    {
        const int callers = 200;
        await using var log = await CreateLogAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, callers).Select(i => log.AppendAsync([Event($"e-{i}", "pageView")])));

        Assert.All(outcomes, outcome => Assert.Equal([AppendOutcome.Appended], outcome));
        Assert.Equal(callers, log.Statistics.EventsAppended);
        Assert.InRange(log.Statistics.Flushes, 1, callers / 4);
    }

    [PostgresFact]
    public async Task Concurrent_appends_of_the_same_event_store_it_once()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var left = PostgresEventLog.Create(connectionString);
        await using var right = PostgresEventLog.Create(connectionString);
        var events = Enumerable.Range(0, 100).Select(i => Event($"e-{i}", "pageView", ("deviceId", $"d-{i % 7}"))).ToArray();

        var results = await Task.WhenAll(
            left.AppendAsync(events),
            right.AppendAsync(events.Reverse().ToArray()),
            left.AppendAsync(events[..50]));

        var appended = results.SelectMany(outcomes => outcomes).Count(outcome => outcome == AppendOutcome.Appended);
        Assert.Equal(100, appended);
        Assert.Equal(100L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_events"));
        Assert.Equal(100L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_event_identities"));
    }

    [PostgresFact]
    public async Task An_event_naming_an_identity_twice_is_indexed_once_and_its_batch_stored()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var log = PostgresEventLog.Create(connectionString);

        var outcomes = await log.AppendAsync([
            Event("twice", "login", ("email", "a@example.com"), ("ecid", "d-1"), ("email", "a@example.com")),
            Event("once", "login", ("email", "a@example.com")),
        ]);

        Assert.Equal([AppendOutcome.Appended, AppendOutcome.Appended], outcomes);
        Assert.Equal(["twice", "once"], (await ToListAsync(log.ReadByIdentitiesAsync([new("email", "a@example.com")]))).Select(e => e.Event.EventId));
        Assert.Equal(3L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_event_identities"));
    }

    [PostgresFact]
    public async Task Identities_no_event_carried_and_no_trait_observation_named_are_unrecorded()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var log = PostgresEventLog.Create(connectionString);
        await log.AppendAsync([Event("e-1", "login", ("email", "known@example.com"), ("ecid", "device-1"))]);
        await using (var traits = PostgresTraitLog.Create(connectionString))
            await traits.AppendAsync(new TraitObservation(new EventIdentity("crmId", "C-1"), Monday, """{"tier": "plus"}"""));

        var unrecorded = await log.UnrecordedIdentitiesAsync([
            new("email", "known@example.com"), new("crmId", "C-1"), new("ecid", "device-2"),
            new("email", "KNOWN@example.com"), new("ecid", "device-1"), new("phone", "+15550100"),
        ]);

        // Matched as stored (normalising is ingestion's job): a different case is another identity.
        Assert.Equal([new("phone", "+15550100"), new("email", "KNOWN@example.com"), new("ecid", "device-2")],
            unrecorded.OrderBy(i => i.Value, StringComparer.Ordinal));
        Assert.Empty(await log.UnrecordedIdentitiesAsync([]));
        // Deleting an identity's events deletes its record (the grains that held it may still hold it).
        await Sql.ExecuteAsync(connectionString, "DELETE FROM profilegrid_events WHERE event_id = 'e-1'");
        Assert.Contains(new EventIdentity("ecid", "device-1"), await log.UnrecordedIdentitiesAsync([new("ecid", "device-1")]));
    }

    [PostgresFact]
    public async Task Replay_follows_append_order_across_pages()
    {
        await using var log = await CreateLogAsync(new PostgresEventLogOptions { ReadPageSize = 3 });
        var ids = Enumerable.Range(0, 10).Select(i => $"z-{9 - i}").ToArray();
        foreach (var chunk in ids.Chunk(4))
        {
            await log.AppendAsync(chunk.Select(id => Event(id, "pageView")).ToArray());
        }

        var replayed = await ToListAsync(log.ReadAllAsync());
        var resumed = await ToListAsync(log.ReadAllAsync(afterSequence: replayed[6].Sequence));

        Assert.Equal(ids, replayed.Select(stored => stored.Event.EventId));
        Assert.True(replayed.Zip(replayed.Skip(1)).All(pair => pair.First.Sequence < pair.Second.Sequence));
        Assert.Equal(ids[7..], resumed.Select(stored => stored.Event.EventId));
    }

    [PostgresFact]
    public async Task Events_are_found_by_any_identity_they_carried()
    {
        await using var log = await CreateLogAsync(new PostgresEventLogOptions { ReadPageSize = 2 });
        await log.AppendAsync(
        [
            Event("anon-view", "productView", ("ecid", "device-1")),
            Event("other", "productView", ("ecid", "device-2")),
            Event("sign-in", "login", ("ecid", "device-1"), ("email", "sarah@example.com")),
            Event("call", "callCenter", ("phone", "+15550100"), ("email", "sarah@example.com")),
            Event("unrelated", "login", ("email", "tom@example.com")),
        ]);

        var sarah = await ToListAsync(log.ReadByIdentitiesAsync([new("email", "sarah@example.com"), new("ecid", "device-1")]));
        var byPhone = await ToListAsync(log.ReadByIdentitiesAsync([new("phone", "+15550100")]));
        var nobody = await ToListAsync(log.ReadByIdentitiesAsync([new("email", "nobody@example.com")]));

        Assert.Equal(["anon-view", "sign-in", "call"], sarah.Select(stored => stored.Event.EventId));
        Assert.Equal(["call"], byPhone.Select(stored => stored.Event.EventId));
        Assert.Empty(nobody);
    }

    [PostgresFact]
    public async Task Invalid_event_is_rejected_with_its_field_and_stores_nothing()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var log = PostgresEventLog.Create(connectionString);

        var badJson = await Assert.ThrowsAsync<ArgumentException>(() =>
            log.AppendAsync([Event("good", "pageView"), Event("bad", "pageView") with { AttributesJson = "{\"size\": " }]));
        var nul = await Assert.ThrowsAsync<ArgumentException>(() =>
            log.AppendAsync([Event("nul", "pageView") with { AttributesJson = "{\"name\": \"a\\u0000b\"}" }]));
        var longId = await Assert.ThrowsAsync<ArgumentException>(() =>
            log.AppendAsync([Event(new string('x', 513), "pageView")]));
        var afterwards = await log.AppendAsync([Event("next", "pageView")]);

        Assert.Contains("Event [1] (eventId 'bad'): attributes is not valid JSON", badJson.Message, StringComparison.Ordinal);
        Assert.Contains("U+0000", nul.Message, StringComparison.Ordinal);
        Assert.Contains("eventId is 513 characters long", longId.Message, StringComparison.Ordinal);
        Assert.Equal([AppendOutcome.Appended], afterwards);
        Assert.Equal(["next"], await Sql.ColumnAsync<string>(connectionString, "SELECT event_id FROM profilegrid_events"));
    }

    [PostgresFact]
    public async Task Deleting_events_removes_their_identity_index_rows_and_markers_and_nothing_else()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var log = PostgresEventLog.Create(connectionString);
        await log.AppendAsync([
            Event("forget-me", "login", ("email", "gone@example.com"), ("ecid", "device-1")),
            Event("forget-me-too", "login", ("email", "gone@example.com")),
            Event("keep-me", "login", ("email", "kept@example.com"), ("ecid", "device-1")),
        ]);

        await Sql.ExecuteAsync(connectionString, "DELETE FROM profilegrid_events WHERE event_id LIKE 'forget-me%'");

        Assert.Empty(await ToListAsync(log.ReadByIdentitiesAsync([new("email", "gone@example.com")])));
        Assert.Equal(["keep-me"], (await ToListAsync(log.ReadByIdentitiesAsync([new("ecid", "device-1")]))).Select(e => e.Event.EventId));
        Assert.Equal(2L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_event_identities"));
        Assert.Equal(["keep-me"], await Sql.ColumnAsync<string>(connectionString, "SELECT event_id FROM profilegrid_unapplied_events"));
    }

    [PostgresFact]
    public async Task Migration_009_takes_over_a_log_written_before_it_and_deleting_still_cleans_up()
    {
        // A database as an earlier version left it: scripts 001-008 only, events written with their foreign keys.
        var connectionString = await postgres.CreateDatabaseAsync("event_log_before_009");
        foreach (var migration in PostgresSchemaMigrator.Migrations.Where(m => m.Version < 9))
            await Sql.ExecuteAsync(connectionString, migration.Sql);
        await using var log = PostgresEventLog.Create(connectionString);
        await log.AppendAsync([Event("old-1", "login", ("email", "old@example.com"), ("ecid", "d-old")), Event("old-2", "login", ("email", "kept@example.com"))]);
        Assert.Equal(2L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN ('profilegrid_event_identities', 'profilegrid_unapplied_events')"));

        await new PostgresSchemaMigrator(connectionString).MigrateAsync();

        Assert.Equal(0L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN ('profilegrid_event_identities', 'profilegrid_unapplied_events')"));
        Assert.Equal([AppendOutcome.Appended], await log.AppendAsync([Event("new-1", "login", ("email", "old@example.com"))]));
        await Sql.ExecuteAsync(connectionString, "DELETE FROM profilegrid_events WHERE event_id = 'old-1'");
        Assert.Equal(["new-1"], (await ToListAsync(log.ReadByIdentitiesAsync([new("email", "old@example.com"), new("ecid", "d-old")]))).Select(e => e.Event.EventId));
        Assert.Equal(2L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_event_identities"));
        Assert.Equal(["new-1", "old-2"], (await Sql.ColumnAsync<string>(connectionString, "SELECT event_id FROM profilegrid_unapplied_events")).Order());
    }

    private async Task<string> CreateDatabaseAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("event_log");
        await new PostgresSchemaMigrator(connectionString).MigrateAsync();
        return connectionString;
    }

    private async Task<PostgresEventLog> CreateLogAsync(PostgresEventLogOptions? options = null) =>
        PostgresEventLog.Create(await CreateDatabaseAsync(), options);

    private static LogEvent Event(string id, string type, params (string Namespace, string Value)[] identities) => new()
    {
        EventId = id,
        Type = type,
        Timestamp = Monday,
        Identities = identities.Select(identity => new EventIdentity(identity.Namespace, identity.Value)).ToArray(),
    };

    private static async Task<List<StoredEvent>> ToListAsync(IAsyncEnumerable<StoredEvent> events)
    {
        var list = new List<StoredEvent>();
        await foreach (var stored in events)
        {
            list.Add(stored);
        }

        return list;
    }

    private sealed class MutableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
