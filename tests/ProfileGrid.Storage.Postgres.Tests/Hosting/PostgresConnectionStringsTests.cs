using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Storage.Postgres.Tests.Hosting;

public sealed class PostgresConnectionStringsTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    [Fact]
    public void A_pool_is_capped_skips_the_reset_and_prepares_repeated_statements()
    {
        var pool = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.ForPool("Host=db;Username=grid;Database=grid", 16));

        Assert.Equal(16, pool.MaxPoolSize);
        Assert.True(pool.NoResetOnClose);
        Assert.Equal(PostgresConnectionStrings.AutoPreparedStatements, pool.MaxAutoPrepare);
        Assert.Equal(("db", "grid", "grid"), (pool.Host, pool.Username, pool.Database));
    }

    [Theory]
    [InlineData("Maximum Pool Size=50")]
    [InlineData("maxpoolsize=50")]
    public void A_pool_size_the_operator_gave_wins_under_any_of_its_names(string given)
    {
        var pool = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.ForPool($"Host=db;{given}", 16));

        Assert.Equal(50, pool.MaxPoolSize);
    }

    [Fact]
    public void Reset_and_preparation_settings_the_operator_gave_win()
    {
        var pool = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.ForPool("Host=db;No Reset On Close=false;Max Auto Prepare=0", 16));

        Assert.False(pool.NoResetOnClose);
        Assert.Equal(0, pool.MaxAutoPrepare);
    }

    [Fact]
    public void A_pool_commits_synchronously_and_without_multiplexing_unless_asked()
    {
        var pool = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.ForPool("Host=db", 16));

        Assert.False(pool.Multiplexing);
        Assert.True(string.IsNullOrEmpty(pool.Options));
    }

    [Fact]
    public void A_derived_state_pool_multiplexes_and_skips_the_disk_flush_keeping_the_operators_options()
    {
        var pool = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.ForPool(
            "Host=db;Options=-c statement_timeout=5000", 16, synchronousCommit: false, multiplexing: true));

        Assert.True(pool.Multiplexing);
        Assert.Equal("-c statement_timeout=5000 -c synchronous_commit=off", pool.Options);
    }

    [Fact]
    public void Multiplexing_the_operator_turned_off_stays_off()
    {
        var pool = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.ForPool("Host=db;Multiplexing=false", 16, multiplexing: true));

        Assert.False(pool.Multiplexing);
    }

    [PostgresFact]
    public async Task A_multiplexed_derived_state_pool_runs_statements_with_synchronous_commit_off()
    {
        var connectionString = PostgresConnectionStrings.ForPool(postgres.ServerConnectionString, 4, synchronousCommit: false, multiplexing: true);
        var settings = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SHOW synchronous_commit", connection);
            return (string)(await command.ExecuteScalarAsync())!;
        }));

        Assert.All(settings, setting => Assert.Equal("off", setting));
    }
}
