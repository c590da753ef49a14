using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Storage.Postgres.Tests.Hosting;

public sealed class PostgresConnectionStringsTests
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
}
