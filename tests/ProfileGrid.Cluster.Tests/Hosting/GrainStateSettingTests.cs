using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProfileGrid.Hosting;
using ProfileGrid.Storage;

namespace ProfileGrid.Cluster.Tests.Hosting;

/// <summary><c>ProfileGrid:GrainState</c> picks how grains reach their storage: direct by default, Orleans' bridge on request.</summary>
public sealed class GrainStateSettingTests
{
    private static IConfiguration Config(string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection(value is null ? [] : [new(ProfileGridSiloExtensions.GrainStateKey, value)]).Build();

    private static IPersistentStateFactory FactoryOf(string? value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddProfileGrid(Config(value)));
        using var host = builder.Build();
        return host.Services.GetRequiredService<IPersistentStateFactory>();
    }

    [Theory]
    [InlineData(null, GrainStateKind.Direct)]
    [InlineData("", GrainStateKind.Direct)]
    [InlineData("direct", GrainStateKind.Direct)]
    [InlineData(" Orleans ", GrainStateKind.Orleans)]
    [InlineData("ORLEANS", GrainStateKind.Orleans)]
    public void The_setting_is_read_case_insensitively_and_defaults_to_direct(string? value, GrainStateKind expected) =>
        Assert.Equal(expected, ProfileGridSiloExtensions.GrainStateMode(Config(value)));

    [Theory]
    [InlineData("fast")]
    [InlineData("1")]
    [InlineData("Direct,Orleans")]
    public void Another_value_is_refused_naming_the_key_and_the_allowed_values(string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => ProfileGridSiloExtensions.GrainStateMode(Config(value)));
        Assert.Contains("ProfileGrid:GrainState", error.Message);
        Assert.Contains($"'{value}'", error.Message);
        Assert.Contains("Direct and Orleans", error.Message);
    }

    [Fact]
    public void A_silo_uses_the_direct_state_by_default_and_orleans_bridge_when_asked()
    {
        Assert.IsType<DirectPersistentStateFactory>(FactoryOf(null));
        var orleans = FactoryOf("Orleans");
        Assert.IsNotType<DirectPersistentStateFactory>(orleans);
        Assert.Equal("Orleans.Runtime.PersistentStateFactory", orleans.GetType().FullName);
    }
}
