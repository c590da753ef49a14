namespace ProfileGrid.Storage.Postgres.Schema;

/// <summary>
/// Brings a PostgreSQL database up to the schema this build expects: the Orleans ADO.NET tables
/// and queries (clustering, grain persistence, reminders) and ProfileGrid's own tables.
/// </summary>
/// <remarks>
/// <para>
/// The scripts are the numbered files of <c>schema/postgres</c>, embedded in this assembly. Each
/// runs once, in its own transaction, and is recorded with its checksum in
/// <c>profilegrid_schema_version</c>. A session advisory lock serialises migrators, so any number
/// of silos may start at once against the same database: one applies what is missing, the others
/// wait and then find nothing left to do.
/// </para>
/// <para>
/// The lock is a session lock: behind a transaction-pooling proxy (PgBouncer in transaction mode)
/// point the migrator at the database directly.
/// </para>
/// </remarks>
public sealed class PostgresSchemaMigrator
{
    /// <summary>
    /// The <c>pg_advisory_lock</c> key held while migrating ("PGSCHEMA" in ASCII).
    /// </summary>
    public const long AdvisoryLockKey = 0x5047_5343_4845_4D41;

    /// <summary>The table recording applied scripts.</summary>
    public const string VersionTable = "profilegrid_schema_version";

    private const string CreateVersionTableSql = """
        CREATE TABLE IF NOT EXISTS profilegrid_schema_version
        (
            version    integer     NOT NULL,
            name       text        NOT NULL,
            checksum   text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),

            CONSTRAINT pk_profilegrid_schema_version PRIMARY KEY (version)
        );
        """;

    private readonly string connectionString;
    private readonly ILogger logger;

    /// <param name="connectionString">
    /// Connection string of the target database. Its user needs the right to create tables and
    /// functions there, and CREATEDB when <see cref="CreateDatabaseIfMissing"/> is to be used.
    /// </param>
    /// <param name="logger">Receives one line per applied script; optional.</param>
    public PostgresSchemaMigrator(string connectionString, ILogger<PostgresSchemaMigrator>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        this.connectionString = connectionString;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// The scripts this build carries, in the order they are applied.
    /// </summary>
    public static IReadOnlyList<SchemaMigration> Migrations => EmbeddedMigrations.Migrations;

    /// <summary>
    /// When the connection string names a database that does not exist, create it (connecting to
    /// the <c>postgres</c> maintenance database to do so). On by default.
    /// </summary>
    public bool CreateDatabaseIfMissing { get; init; } = true;

    /// <summary>
    /// Time allowed for each script; a schema change on a large table can take a while.
    /// </summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Applies every script not yet recorded in the database, in version order.
    /// </summary>
    /// <returns>The scripts applied by this call; empty when the schema was already current.</returns>
    /// <exception cref="SchemaMigrationException">
    /// A script recorded as applied differs from the one in this build, or a script failed.
    /// </exception>
    public async Task<IReadOnlyList<SchemaMigration>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await AcquireLockAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, CreateVersionTableSql, cancellationToken).ConfigureAwait(false);
            var recorded = await ReadRecordedAsync(connection, cancellationToken).ConfigureAwait(false);

            var applied = new List<SchemaMigration>();
            foreach (var migration in Migrations)
            {
                if (recorded.Remove(migration.Version, out var checksum))
                {
                    if (!string.Equals(checksum, migration.Checksum, StringComparison.Ordinal))
                    {
                        throw new SchemaMigrationException(
                            $"Schema script {migration.Version:000}_{migration.Name}.sql was changed after it was applied to this database " +
                            $"(recorded checksum {checksum}, this build {migration.Checksum}). Applied scripts must not be edited; add a new numbered script instead.");
                    }

                    continue;
                }

                await ApplyAsync(connection, migration, cancellationToken).ConfigureAwait(false);
                applied.Add(migration);
            }

            foreach (var unknown in recorded.Keys)
            {
                logger.LogWarning(
                    "Database schema version {Version} is recorded but unknown to this build; the database is newer than this silo.",
                    unknown);
            }

            return applied;
        }
        finally
        {
            await ReleaseLockAsync(connection).ConfigureAwait(false);
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName && CreateDatabaseIfMissing)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        await CreateDatabaseAsync(cancellationToken).ConfigureAwait(false);
        connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private async Task CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var database = target.Database ?? target.Username
            ?? throw new SchemaMigrationException("The connection string names no database to create.");
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };

        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // CREATE DATABASE cannot take parameters; the name is quoted as an identifier.
            await ExecuteAsync(connection, $"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", cancellationToken)
                .ConfigureAwait(false);
            logger.LogInformation("Created database {Database}.", database);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another silo created it first.
        }
    }

    private async Task AcquireLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        tryLock.Parameters.AddWithValue("key", AdvisoryLockKey);
        if (await tryLock.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
        {
            return;
        }

        logger.LogInformation("Waiting for another process to finish migrating the database schema.");
        await using var waitForLock = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection) { CommandTimeout = 0 };
        waitForLock.Parameters.AddWithValue("key", AdvisoryLockKey);
        await waitForLock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ReleaseLockAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The session is broken; closing it releases the lock anyway.
        }
    }

    private static async Task<Dictionary<int, string>> ReadRecordedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var recorded = new Dictionary<int, string>();
        await using var command = new NpgsqlCommand($"SELECT version, checksum FROM {VersionTable}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            recorded[reader.GetInt32(0)] = reader.GetString(1);
        }

        return recorded;
    }

    private async Task ApplyAsync(NpgsqlConnection connection, SchemaMigration migration, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using (var script = new NpgsqlCommand(migration.Sql, connection, transaction))
            {
                script.CommandTimeout = (int)CommandTimeout.TotalSeconds;
                await script.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = new NpgsqlCommand(
                $"INSERT INTO {VersionTable} (version, name, checksum) VALUES (@version, @name, @checksum)", connection, transaction))
            {
                record.Parameters.AddWithValue("version", migration.Version);
                record.Parameters.AddWithValue("name", migration.Name);
                record.Parameters.AddWithValue("checksum", migration.Checksum);
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new SchemaMigrationException(
                $"Schema script {migration.Version:000}_{migration.Name}.sql failed and was rolled back: {e.MessageText}", e);
        }

        logger.LogInformation("Applied schema script {Version:000}_{Name}.", migration.Version, migration.Name);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
