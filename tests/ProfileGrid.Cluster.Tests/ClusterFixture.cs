using Microsoft.Extensions.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using ProfileGrid.Hosting;

namespace ProfileGrid.Cluster.Tests;

/// <summary>A two-silo cluster running the real grains with the embedded default storage.</summary>
public class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.Client;

    /// <summary>Configuration the silos read, as <c>ProfileGrid:*</c> keys.</summary>
    protected virtual Dictionary<string, string?> Settings => new()
    {
        // The stress test links thousands of identities; the graph limit has its own test.
        ["ProfileGrid:Identity:MaxIdentitiesPerGraph"] = "100000",
        ["ProfileGrid:Profiles:MaxEventsPerProfile"] = "100000",
    };

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(Settings));
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => silo.AddProfileGrid(silo.Configuration);
    }
}

/// <summary>A cluster with tiny limits, to see them hit and reported.</summary>
public sealed class SmallLimitsClusterFixture : ClusterFixture
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["ProfileGrid:Identity:MaxIdentitiesPerGraph"] = "4",
        ["ProfileGrid:Profiles:MaxEventsPerProfile"] = "5",
    };
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
