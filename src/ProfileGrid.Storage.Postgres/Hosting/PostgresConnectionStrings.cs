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
    public static string ForPool(string connectionString, int maxPoolSize)
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
        return builder.ConnectionString;
    }
}
