using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ProfileGrid.Hosting;

namespace ProfileGrid.Cluster.Tests.Hosting;

/// <summary><c>ProfileGrid:Cluster:*</c>: how quickly a silo that stopped answering is declared dead.</summary>
public sealed class ClusterSettingsTests
{
    [Fact]
    public void Unset_the_membership_options_stay_as_they_were()
    {
        var options = new ClusterMembershipOptions { ProbeTimeout = TimeSpan.FromSeconds(7), NumMissedProbesLimit = 4 };

        ProfileGridClusterSettings.FromConfiguration(TestConfiguration.Of()).Apply(options);

        Assert.Equal(TimeSpan.FromSeconds(7), options.ProbeTimeout);
        Assert.Equal(4, options.NumMissedProbesLimit);
        Assert.Equal(ProfileGridClusterSettings.DefaultProbeTimeout, new ClusterMembershipOptions().ProbeTimeout);
        Assert.Equal(ProfileGridClusterSettings.DefaultMissedProbesLimit, new ClusterMembershipOptions().NumMissedProbesLimit);
    }

    [Fact]
    public void A_silo_probes_as_configured()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddProfileGrid(TestConfiguration.Of(
            (ProfileGridClusterSettings.ProbeTimeoutKey, "00:00:02"), (ProfileGridClusterSettings.MissedProbesLimitKey, "2"))));
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(2), options.ProbeTimeout);
        Assert.Equal(2, options.NumMissedProbesLimit);
    }

    [Theory]
    [InlineData(ProfileGridClusterSettings.ProbeTimeoutKey, "fast", "ProfileGrid:Cluster:ProbeTimeout is 'fast'; it must be a time span such as 00:00:02, from 00:00:01 to 00:01:00 (default 00:00:05).")]
    [InlineData(ProfileGridClusterSettings.ProbeTimeoutKey, "00:00:00.500", "ProfileGrid:Cluster:ProbeTimeout is '00:00:00.500'; it must be a time span such as 00:00:02, from 00:00:01 to 00:01:00 (default 00:00:05).")]
    [InlineData(ProfileGridClusterSettings.ProbeTimeoutKey, "00:02:00", "ProfileGrid:Cluster:ProbeTimeout is '00:02:00'; it must be a time span such as 00:00:02, from 00:00:01 to 00:01:00 (default 00:00:05).")]
    [InlineData(ProfileGridClusterSettings.MissedProbesLimitKey, "0", "ProfileGrid:Cluster:MissedProbesLimit is '0'; it must be a whole number from 1 to 10 (default 3).")]
    [InlineData(ProfileGridClusterSettings.MissedProbesLimitKey, "2.5", "ProfileGrid:Cluster:MissedProbesLimit is '2.5'; it must be a whole number from 1 to 10 (default 3).")]
    [InlineData(ProfileGridClusterSettings.MissedProbesLimitKey, "11", "ProfileGrid:Cluster:MissedProbesLimit is '11'; it must be a whole number from 1 to 10 (default 3).")]
    public void A_bad_value_is_refused_naming_the_key_and_the_rule(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => ProfileGridClusterSettings.FromConfiguration(TestConfiguration.Of((key, value))));

        Assert.Equal(message, error.Message);
    }
}
