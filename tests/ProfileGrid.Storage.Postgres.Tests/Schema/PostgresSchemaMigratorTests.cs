namespace ProfileGrid.Storage.Postgres.Tests.Schema;

public sealed class PostgresSchemaMigratorTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    /// <summary>Every query key the Orleans 10.x ADO.NET providers read from OrleansQuery.</summary>
    public static readonly string[] OrleansQueryKeys =
    [
        "MembershipReadAllKey", "MembershipReadRowKey", "InsertMembershipVersionKey", "InsertMembershipKey",
        "UpdateMembershipKey", "UpdateIAmAlivetimeKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
        "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public void Scripts_are_embedded_in_version_order()
    {
        var migrations = PostgresSchemaMigrator.Migrations;

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9], migrations.Select(m => m.Version));
        Assert.Equal(
            ["orleans_main", "orleans_clustering", "orleans_persistence", "orleans_reminders", "profilegrid_event_log", "profilegrid_unapplied_events",
             "profilegrid_profile_sets", "profilegrid_trait_observations", "profilegrid_event_log_lean_append"],
            migrations.Select(m => m.Name));
        Assert.All(migrations, m => Assert.Equal(64, m.Checksum.Length));
    }

    [PostgresFact]
    public async Task Migrating_twice_applies_every_script_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync("migrate_twice");
        var migrator = new PostgresSchemaMigrator(connectionString);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(PostgresSchemaMigrator.Migrations.Count, first.Count);
        Assert.Empty(second);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9], await Sql.ColumnAsync<int>(connectionString, "SELECT version FROM profilegrid_schema_version ORDER BY version"));
        Assert.Equal(
            OrleansQueryKeys.Order(StringComparer.Ordinal),
            await Sql.ColumnAsync<string>(connectionString, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey COLLATE \"C\""));
    }

    [PostgresFact]
    public async Task Concurrent_migrators_apply_every_script_exactly_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync("migrate_concurrently");

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Task.Run(() => new PostgresSchemaMigrator(connectionString).MigrateAsync())));

        Assert.Equal(PostgresSchemaMigrator.Migrations.Count, results.Sum(applied => applied.Count));
        Assert.Equal(
            [1, 2, 3, 4, 5, 6, 7, 8, 9],
            await Sql.ColumnAsync<int>(connectionString, "SELECT version FROM profilegrid_schema_version ORDER BY version"));
    }

    [PostgresFact]
    public async Task Missing_database_is_created()
    {
        var connectionString = postgres.ConnectionStringFor(postgres.DatabaseName("created_by_migrator"));

        var applied = await new PostgresSchemaMigrator(connectionString).MigrateAsync();

        Assert.Equal(PostgresSchemaMigrator.Migrations.Count, applied.Count);
        Assert.Equal(9L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_schema_version"));
    }

    [PostgresFact]
    public async Task Edited_script_is_reported_instead_of_silently_skipped()
    {
        var connectionString = await postgres.CreateDatabaseAsync("migrate_edited");
        var migrator = new PostgresSchemaMigrator(connectionString);
        await migrator.MigrateAsync();
        await Sql.ExecuteAsync(connectionString, "UPDATE profilegrid_schema_version SET checksum = 'edited' WHERE version = 3");

        var failure = await Assert.ThrowsAsync<SchemaMigrationException>(() => migrator.MigrateAsync());

        Assert.Contains("003_orleans_persistence.sql", failure.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Scripts_can_be_rerun_by_hand_over_an_existing_schema()
    {
        var connectionString = await postgres.CreateDatabaseAsync("migrate_rerun");
        await new PostgresSchemaMigrator(connectionString).MigrateAsync();

        foreach (var migration in PostgresSchemaMigrator.Migrations)
        {
            await Sql.ExecuteAsync(connectionString, migration.Sql);
        }

        Assert.Equal(21L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM OrleansQuery"));
    }
}
