namespace ProfileGrid.Storage.Postgres.Hosting;

/// <summary>Connection settings ProfileGrid gives each of its PostgreSQL pools.</summary>
public static class PostgresConnectionStrings
{
    /// <summary>Npgsql's prepared-statement cache per connection for a pool that repeats a few statements.</summary>
    public const int AutoPreparedStatements = 16;

    /// <summary>
    /// The connection string of one pool: at most <paramref name="maxPoolSize"/> connections, no reset
    /// when a connection returns to the pool, and automatic preparation of repeated statements.
    /// Orleans' ADO.NET providers open a pooled connection per query; Npgsql would reset each one on
    /// return (a DISCARD ALL round trip, as many as the queries themselves) and so lose its prepared
    /// statements. ProfileGrid's pools set no session state a reset would need to undo. Each of these
    /// settings, when the operator's connection string gives it, wins.
    /// </summary>
    /// <param name="connectionString">The operator's connection string.</param>
    /// <param name="maxPoolSize">Connections this pool opens at most, unless the operator's string says otherwise.</param>
    /// <param name="synchronousCommit">
    /// <c>false</c> for a pool of derived state (rebuilt from the event log after a database crash):
    /// its commits do not wait for PostgreSQL's disk flush (<c>synchronous_commit=off</c> for the session).
    /// </param>
    /// <param name="multiplexing">
    /// <c>true</c> for a pool that many callers use at once with one short statement each (grain state
    /// through Orleans' ADO.NET provider): Npgsql multiplexing sends their statements down shared
    /// connections back to back, so a connection is not held by one caller for a whole round trip while
    /// the others queue for the pool (with 16 connections and thousands of new grains reading and
    /// writing, that queue capped a silo at about 5,000 statements per second).
    /// </param>
    public static string ForPool(string connectionString, int maxPoolSize, bool synchronousCommit = true, bool multiplexing = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoolSize, 1);
        // NpgsqlConnectionStringBuilder.ContainsKey answers whether a keyword is known, not whether it
        // was given, so what was given is read with the plain builder.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Given(params string[] keywords) => keywords.Any(given.ContainsKey);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Given("Maximum Pool Size", "MaxPoolSize")) builder.MaxPoolSize = maxPoolSize;
        if (!Given("No Reset On Close", "NoResetOnClose")) builder.NoResetOnClose = true;
        if (!Given("Max Auto Prepare", "MaxAutoPrepare")) builder.MaxAutoPrepare = AutoPreparedStatements;
        if (multiplexing && !Given("Multiplexing")) builder.Multiplexing = true;
        if (!synchronousCommit)
        {
            builder.Options = string.IsNullOrWhiteSpace(builder.Options)
                ? "-c synchronous_commit=off"
                : builder.Options + " -c synchronous_commit=off";
        }

        return builder.ConnectionString;
    }
}
