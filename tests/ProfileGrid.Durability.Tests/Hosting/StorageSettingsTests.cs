using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Durability.Tests.Hosting;

public sealed class StorageSettingsTests
{
    private static ProfileGridStorageSettings Read(params (string Key, string Value)[] values) =>
        ProfileGridStorageSettings.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value)))
            .Build());

    [Fact]
    public void Nothing_configured_is_the_embedded_in_memory_grid_on_the_default_ports()
    {
        var settings = Read();

        Assert.Equal(StorageMode.InMemory, settings.Mode);
        Assert.Equal((11111, 30000, "profilegrid", "profilegrid", "127.0.0.1"),
            (settings.SiloPort, settings.GatewayPort, settings.ClusterId, settings.ServiceId, settings.AdvertisedIP.ToString()));
    }

    [Fact]
    public void Postgres_is_chosen_case_insensitively_with_its_connection_string_and_endpoints()
    {
        var settings = Read(
            ("ProfileGrid:Storage", "postgres"), ("ConnectionStrings:Postgres", "Host=db;Database=grid"),
            ("ProfileGrid:SiloPort", "11112"), ("ProfileGrid:GatewayPort", "30002"),
            ("ProfileGrid:ClusterId", "luma"), ("ProfileGrid:ServiceId", "luma-grid"), ("ProfileGrid:AdvertisedIP", "10.0.0.7"));

        Assert.Equal(StorageMode.Postgres, settings.Mode);
        Assert.Equal(("Host=db;Database=grid", 11112, 30002, "luma", "luma-grid", "10.0.0.7"),
            (settings.ConnectionString, settings.SiloPort, settings.GatewayPort, settings.ClusterId, settings.ServiceId, settings.AdvertisedIP.ToString()));
    }

    [Fact]
    public void An_unknown_storage_fails_naming_the_key_and_the_allowed_values()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(("ProfileGrid:Storage", "Redis")));

        Assert.Contains("ProfileGrid:Storage is 'Redis'", error.Message, StringComparison.Ordinal);
        Assert.Contains("InMemory and Postgres", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_without_a_connection_string_fails_naming_the_key()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(("ProfileGrid:Storage", "Postgres")));

        Assert.Contains("ConnectionStrings:Postgres is not set", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ProfileGrid:SiloPort", "0")]
    [InlineData("ProfileGrid:GatewayPort", "http")]
    [InlineData("ProfileGrid:AdvertisedIP", "silo-1")]
    public void A_bad_endpoint_fails_naming_the_key(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read((key, value)));

        Assert.StartsWith($"{key} is '{value}'", error.Message, StringComparison.Ordinal);
    }
}
