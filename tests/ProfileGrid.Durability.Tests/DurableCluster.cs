using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using ProfileGrid.Hosting;
using ProfileGrid.Storage;
using ProfileGrid.Storage.Postgres;

namespace ProfileGrid.Durability.Tests;

/// <summary>
/// A TestingHost cluster whose membership, grain state, reminders and event log all live in one
/// PostgreSQL database. Several clusters may be started one after the other on the same database
/// and service id: that is a full restart.
/// </summary>
public sealed class DurableCluster : IAsyncDisposable
{
    private const string ConnectionStringKey = "ProfileGridTests:Postgres";

    private DurableCluster(TestCluster cluster) => Cluster = cluster;

    /// <summary>A setting for <see cref="StartAsync"/>: <c>"true"</c> runs the silos without the recovery pass (the service, not its class).</summary>
    public const string WithoutRecoveryPass = "ProfileGridTests:WithoutRecoveryPass";

    public TestCluster Cluster { get; }

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>A service provider of a running silo (the first one still alive).</summary>
    public IServiceProvider SiloServices =>
        Cluster.GetActiveSilos().OfType<InProcessSiloHandle>().First().SiloHost.Services;

    /// <param name="settings">Configuration for every silo on top of the defaults, e.g. <c>ProfileGrid:Profiles:StateWriteDelay</c>.</param>
    public static async Task<DurableCluster> StartAsync(string connectionString, string serviceId, short silos = 2, IReadOnlyDictionary<string, string>? settings = null)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ServiceId = serviceId;
        builder.Options.ClusterId = serviceId;
        builder.Properties[ConnectionStringKey] = connectionString;
        // Nothing but the tests' own calls: no background recovery racing the assertions.
        builder.Properties["ProfileGrid:Recovery:Interval"] = "01:00:00";
        // The merge race links hundreds of identities; graph limits have their own tests.
        builder.Properties["ProfileGrid:Identity:MaxIdentitiesPerGraph"] = "100000";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) builder.Properties[key] = value;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new DurableCluster(cluster);
    }

    /// <summary>Stops every silo gracefully (state written, membership left) and the client.</summary>
    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        // Idle pooled connections would otherwise outlive the cluster by minutes and add up, test
        // after test, to the server's connection limit.
        NpgsqlConnection.ClearAllPools();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var connectionString = silo.Configuration[ConnectionStringKey]!;
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = OrleansAdoNet.Invariant;
                options.ConnectionString = connectionString;
            });
            silo.AddProfileGridPostgresStorage(connectionString, silo.Configuration);
            silo.AddProfileGrid(silo.Configuration);
            if (silo.Configuration[WithoutRecoveryPass] == "true")
            {
                foreach (var pass in silo.Services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(EventRecoveryService)).ToList())
                    silo.Services.Remove(pass);
            }
            PublishedChanges.Record(silo.Services);
            StateOperations.Count(silo.Services);
            silo.AddIncomingGrainCallFilter<Crashes.CallFaults.Filter>();
            silo.AddOutgoingGrainCallFilter<Crashes.HeldCalls.Filter>();
            // A killed silo is declared dead within a few seconds, not the production default.
            silo.Configure<ClusterMembershipOptions>(options =>
            {
                options.ProbeTimeout = TimeSpan.FromSeconds(1);
                options.NumMissedProbesLimit = 2;
                options.NumVotesForDeathDeclaration = 1;
                options.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
            silo.Configure<SiloMessagingOptions>(options => options.ResponseTimeout = TimeSpan.FromSeconds(15));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client)
        {
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = OrleansAdoNet.Invariant;
                options.ConnectionString = configuration[ConnectionStringKey];
            });
            client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            client.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = TimeSpan.FromSeconds(15));
        }
    }
}
