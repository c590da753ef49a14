using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using ProfileGrid.Hosting;
using ProfileGrid.Storage;
using ProfileGrid.Storage.Postgres.GrainState;

namespace ProfileGrid.Cluster.Tests.Hosting;

/// <summary><c>ProfileGrid:Postgres:GrainStorage</c> picks the grain storage on PostgreSQL: batched by default, Orleans' provider on request.</summary>
public sealed class PostgresGrainStorageSettingTests
{
    private static IConfiguration Config(string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection(value is null ? [] : [new(ProfileGridStorageExtensions.GrainStorageKey, value)]).Build();

    [Theory]
    [InlineData(null, PostgresGrainStorageKind.Batched)]
    [InlineData(" ", PostgresGrainStorageKind.Batched)]
    [InlineData("batched", PostgresGrainStorageKind.Batched)]
    [InlineData(" Orleans ", PostgresGrainStorageKind.Orleans)]
    public void The_setting_is_read_case_insensitively_and_defaults_to_batched(string? value, PostgresGrainStorageKind expected) =>
        Assert.Equal(expected, ProfileGridStorageExtensions.GrainStorageMode(Config(value)));

    [Theory]
    [InlineData("AdoNet")]
    [InlineData("Batched,Orleans")]
    public void Another_value_is_refused_naming_the_key_and_the_allowed_values(string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => ProfileGridStorageExtensions.GrainStorageMode(Config(value)));
        Assert.Contains("ProfileGrid:Postgres:GrainStorage", error.Message);
        Assert.Contains($"'{value}'", error.Message);
        Assert.Contains("Batched and Orleans", error.Message);
    }

    [Theory]
    [InlineData(null, typeof(PostgresGrainStorage))]
    [InlineData("Orleans", typeof(AdoNetGrainStorage))]
    public async Task A_silo_on_postgres_gets_the_storage_the_setting_names(string? value, Type expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.UseLocalhostClustering()
            .AddProfileGridPostgresStorage("Host=127.0.0.1;Port=1;Username=nobody;Database=none", Config(value)));
        await using var host = (IAsyncDisposable)builder.Build();

        var storage = ((IHost)host).Services.GetRequiredKeyedService<IGrainStorage>(ProfileGridStorage.Name);

        Assert.IsType(expected, storage);
    }
}
