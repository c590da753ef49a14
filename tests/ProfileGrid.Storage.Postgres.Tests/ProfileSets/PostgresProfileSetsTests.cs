using ProfileGrid.Storage.Postgres.ProfileSets;

namespace ProfileGrid.Storage.Postgres.Tests.ProfileSets;

public sealed class PostgresProfileSetsTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private const string Service = "svc-a";

    [PostgresFact]
    public async Task Added_and_removed_members_read_back()
    {
        var (connectionString, sets) = await CreateAsync();
        await using var _ = sets;

        await sets.ApplyAsync(Service, "directory/0", ["p-1", "p-2", "p-3"], []);
        await sets.ApplyAsync(Service, "directory/0", ["p-4", "p-2"], ["p-1", "p-9"]);
        await sets.ApplyAsync(Service, "directory/1", ["p-1"], []);

        Assert.Equal(["p-2", "p-3", "p-4"], Sorted(await sets.LoadAsync(Service, "directory/0")));
        Assert.Equal(["p-1"], Sorted(await sets.LoadAsync(Service, "directory/1")));
        Assert.Empty(await sets.LoadAsync(Service, "never-written"));
        Assert.Equal(4L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_profile_sets"));
    }

    [PostgresFact]
    public async Task An_id_both_removed_and_added_in_one_call_ends_a_member()
    {
        var (_, sets) = await CreateAsync();
        await using var __ = sets;

        await sets.ApplyAsync(Service, "audience/s/0", ["p-1"], ["p-1"]);

        Assert.Equal(["p-1"], Sorted(await sets.LoadAsync(Service, "audience/s/0")));
    }

    [PostgresFact]
    public async Task Within_one_flush_the_last_change_of_a_member_wins()
    {
        var (connectionString, sets) = await CreateAsync();
        await using var _ = sets;
        await sets.ApplyAsync(Service, "audience/s/0", ["kept", "cleared-then-readded"], []);
        await sets.ApplyAsync(Service, "audience/s/1", ["untouched"], []);

        await using var locker = await LockSetsTableAsync(connectionString);
        // The writer is stuck on the lock with this request; everything after it queues up.
        var blocked = sets.ApplyAsync(Service, "blocker", ["b"], []);
        await WaitForLockWaitAsync(connectionString);
        Task[] queued =
        [
            blocked,
            sets.ApplyAsync(Service, "audience/s/0", ["added-then-removed"], []),
            sets.ApplyAsync(Service, "audience/s/0", [], ["added-then-removed", "kept"]),
            sets.ApplyAsync(Service, "audience/s/0", ["kept"], []),
            sets.ClearAsync(Service, "audience/s/0"),
            sets.ApplyAsync(Service, "audience/s/0", ["cleared-then-readded"], ["kept"]),
        ];
        await using (var rollback = new NpgsqlCommand("ROLLBACK", locker))
        {
            await rollback.ExecuteNonQueryAsync();
        }

        await Task.WhenAll(queued);

        Assert.Equal(["cleared-then-readded"], Sorted(await sets.LoadAsync(Service, "audience/s/0")));
        Assert.Equal(["untouched"], Sorted(await sets.LoadAsync(Service, "audience/s/1")));
        // Two writes before the lock, then the blocked request, then everything queued behind it together.
        Assert.Equal(4, sets.Statistics.Flushes);
    }

    [PostgresFact]
    public async Task Sets_of_two_services_are_apart()
    {
        var (_, sets) = await CreateAsync();
        await using var _ = sets;

        await sets.ApplyAsync("svc-a", "directory/0", ["a-1", "a-2"], []);
        await sets.ApplyAsync("svc-b", "directory/0", ["b-1"], []);
        await sets.ApplyAsync("svc-b", "directory/0", [], ["a-1"]);
        await sets.ClearAsync("svc-b", "directory/0");

        Assert.Equal(["a-1", "a-2"], Sorted(await sets.LoadAsync("svc-a", "directory/0")));
        Assert.Empty(await sets.LoadAsync("svc-b", "directory/0"));
    }

    [PostgresFact]
    public async Task Clearing_a_set_leaves_the_others()
    {
        var (_, sets) = await CreateAsync();
        await using var _ = sets;
        await sets.ApplyAsync(Service, "audience/gone/0", ["p-1", "p-2"], []);
        await sets.ApplyAsync(Service, "audience/kept/0", ["p-1"], []);

        await sets.ClearAsync(Service, "audience/gone/0");

        Assert.Empty(await sets.LoadAsync(Service, "audience/gone/0"));
        Assert.Equal(["p-1"], Sorted(await sets.LoadAsync(Service, "audience/kept/0")));
    }

    [PostgresFact]
    public async Task Concurrent_changes_are_group_committed()
    {
        const int callers = 200;
        var (connectionString, sets) = await CreateAsync();
        await using var _ = sets;

        await Task.WhenAll(Enumerable.Range(0, callers).Select(i =>
            sets.ApplyAsync(Service, $"directory/{i % 16}", [$"p-{i}", $"q-{i}"], i % 2 == 0 ? [$"q-{i}"] : [])));
        await Task.WhenAll(Enumerable.Range(0, callers / 2).Select(i =>
            sets.ApplyAsync(Service, $"directory/{i % 16}", [], [$"q-{i}"])));

        var expected = Enumerable.Range(0, callers).Select(i => $"p-{i}")
            .Concat(Enumerable.Range(callers / 2, callers / 2).Select(i => $"q-{i}"));
        var stored = new List<string>();
        for (var shard = 0; shard < 16; shard++)
        {
            stored.AddRange(await sets.LoadAsync(Service, $"directory/{shard}"));
        }

        Assert.Equal(Sorted(expected), Sorted(stored));
        Assert.Equal(stored.Count, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_profile_sets"));
        Assert.Equal(callers + callers / 2, sets.Statistics.Requests);
        Assert.InRange(sets.Statistics.Flushes, 2, callers / 4);
    }

    [PostgresFact]
    public async Task A_failed_write_faults_every_waiting_caller_and_the_store_carries_on()
    {
        var (connectionString, sets) = await CreateAsync();
        await using var _ = sets;
        await Sql.ExecuteAsync(connectionString, "DROP TABLE profilegrid_profile_sets");

        var calls = Enumerable.Range(0, 5).Select(i => sets.ApplyAsync(Service, "directory/0", [$"p-{i}"], [])).ToArray();

        foreach (var call in calls)
        {
            var failure = await Assert.ThrowsAsync<PostgresException>(() => call);
            Assert.Equal(PostgresErrorCodes.UndefinedTable, failure.SqlState);
        }

        Assert.InRange(sets.Statistics.FailedFlushes, 1, 5);
        Assert.Equal(0, sets.Statistics.Requests);

        await Sql.ExecuteAsync(connectionString, PostgresSchemaMigrator.Migrations.Single(m => m.Name == "profilegrid_profile_sets").Sql);
        await sets.ApplyAsync(Service, "directory/0", ["p-after"], []);
        Assert.Equal(["p-after"], Sorted(await sets.LoadAsync(Service, "directory/0")));
    }

    [PostgresFact]
    public async Task An_id_postgres_cannot_store_is_refused_before_it_reaches_a_flush()
    {
        var (connectionString, sets) = await CreateAsync();
        await using var _ = sets;

        var nul = await Assert.ThrowsAsync<ArgumentException>(() => sets.ApplyAsync(Service, "directory/0", ["ok", "bad\0id"], []));
        var tooLong = await Assert.ThrowsAsync<ArgumentException>(() => sets.ApplyAsync(Service, "directory/0", [], [new string('x', PostgresProfileSets.MaxKeyBytes)]));

        Assert.Contains("NUL", nul.Message, StringComparison.Ordinal);
        Assert.Equal("removed", tooLong.ParamName);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_profile_sets"));
        Assert.Equal(0, sets.Statistics.Flushes + sets.Statistics.FailedFlushes);
    }

    [Fact]
    public void A_batch_collapses_to_each_members_last_change_after_the_last_clear()
    {
        PostgresProfileSets.PendingChange[] batch =
        [
            new("s", "a", Cleared: false, ["1", "2"], []),
            new("s", "b", Cleared: false, [], ["1"]),
            new("s", "a", Cleared: false, [], ["1"]),
            new("t", "b", Cleared: true, [], []),
            new("t", "b", Cleared: false, ["3"], ["4"]),
            new("s", "a", Cleared: false, ["2"], ["2"]),
        ];

        var rows = PostgresProfileSets.Collapse(batch);

        Assert.Equal([("t", "b")], rows.Cleared);
        Assert.Equal([("s", "a", "1"), ("s", "b", "1")], rows.Removed);
        Assert.Equal([("s", "a", "2"), ("t", "b", "3")], rows.Added);
    }

    private async Task<(string ConnectionString, PostgresProfileSets Sets)> CreateAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("profile_sets");
        await new PostgresSchemaMigrator(connectionString).MigrateAsync();
        return (connectionString, PostgresProfileSets.Create(connectionString));
    }

    /// <summary>Opens a transaction holding a lock that makes every write to the sets table wait until it ends.</summary>
    private static async Task<NpgsqlConnection> LockSetsTableAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("BEGIN; LOCK TABLE profilegrid_profile_sets IN EXCLUSIVE MODE;", connection);
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    private static async Task WaitForLockWaitAsync(string connectionString)
    {
        const string waiting = """
            SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'
            """;
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            if (await Sql.ScalarAsync<long>(connectionString, waiting) > 0)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The writer never waited for the table lock.");
    }

    private static string[] Sorted(IEnumerable<string> ids) => [.. ids.Order(StringComparer.Ordinal)];
}
