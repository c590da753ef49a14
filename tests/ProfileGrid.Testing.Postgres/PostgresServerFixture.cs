using System.Collections.Concurrent;

namespace ProfileGrid.Testing.Postgres;

/// <summary>
/// Gives tests a PostgreSQL server, and a fresh database per test class (or per test) so that
/// classes running in parallel never see each other's data.
/// </summary>
/// <remarks>
/// <para>
/// Use as a class fixture and mark the tests <see cref="PostgresFactAttribute"/>:
/// <code>
/// public sealed class OrderTests(PostgresServerFixture postgres) : IClassFixture&lt;PostgresServerFixture&gt;
/// {
///     [PostgresFact]
///     public async Task Order_is_stored()
///     {
///         var connectionString = await postgres.CreateDatabaseAsync();
///         ...
///     }
/// }
/// </code>
/// </para>
/// <para>
/// The server comes from <see cref="PostgresTestEnvironment"/>: the one named by
/// <c>PROFILEGRID_TEST_POSTGRES</c>, or one throwaway server per test process, started on first use
/// and stopped when the process exits. Databases a fixture created are dropped when it is
/// disposed.
/// </para>
/// </remarks>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private static readonly Lazy<Task<string>> SharedServer = new(StartServerAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly ConcurrentBag<string> createdDatabases = [];
    private string? serverConnectionString;

    /// <summary>
    /// Connection string of the server's <c>postgres</c> database, as a user that may create
    /// databases.
    /// </summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is unavailable (the test should have been skipped).</exception>
    public string ServerConnectionString =>
        serverConnectionString ?? throw new InvalidOperationException(PostgresTestEnvironment.UnavailableReason);

    /// <summary>
    /// Starts (or joins) the server. When PostgreSQL is unavailable this fails under <c>CI=true</c>
    /// and otherwise does nothing, leaving the tests to be skipped by <see cref="PostgresFactAttribute"/>.
    /// </summary>
    public async Task InitializeAsync()
    {
        if (!PostgresTestEnvironment.IsAvailable)
        {
            if (PostgresTestEnvironment.IsCi)
            {
                throw new InvalidOperationException("CI=true requires PostgreSQL for these tests. " + PostgresTestEnvironment.UnavailableReason);
            }

            return;
        }

        serverConnectionString = await SharedServer.Value.ConfigureAwait(false);
    }

    /// <summary>
    /// Creates an empty database and returns a connection string for it.
    /// </summary>
    /// <param name="prefix">Readable part of the name, e.g. the test class; letters, digits and underscores are kept.</param>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = DatabaseName(prefix);
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return ConnectionStringFor(name);
    }

    /// <summary>
    /// A connection string for <paramref name="database"/> on this server, whether or not it exists
    /// (for tests of code that creates databases). Name it with <see cref="DatabaseName"/> so that it
    /// is dropped with the fixture's other databases.
    /// </summary>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database }.ConnectionString;

    /// <summary>
    /// A new, unused database name starting with <paramref name="prefix"/>, dropped (if it was
    /// created) when the fixture is disposed.
    /// </summary>
    public string DatabaseName(string prefix = "test")
    {
        var stem = new string(prefix.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').Take(40).ToArray());
        var name = $"{(stem.Length > 0 ? stem : "test")}_{Guid.NewGuid().ToString("N")[..12]}";
        createdDatabases.Add(name);
        return name;
    }

    /// <summary>Drops the databases this fixture created; the server itself lives until the process exits.</summary>
    public async Task DisposeAsync()
    {
        if (serverConnectionString is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        foreach (var name in createdDatabases.Distinct())
        {
            try
            {
                using (var pooled = new NpgsqlConnection(ConnectionStringFor(name)))
                {
                    NpgsqlConnection.ClearPool(pooled);
                }

                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (PostgresException)
            {
                // Best effort: a throwaway server is deleted anyway.
            }
        }
    }

    private static async Task<string> StartServerAsync()
    {
        if (PostgresTestEnvironment.ExternalConnectionString is { } external)
        {
            return external;
        }

        var server = await ThrowawayPostgresServer.StartAsync(PostgresTestEnvironment.BinariesDirectory!).ConfigureAwait(false);
        return server.ConnectionString;
    }
}
