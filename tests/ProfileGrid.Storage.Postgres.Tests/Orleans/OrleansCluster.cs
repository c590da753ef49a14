using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace ProfileGrid.Storage.Postgres.Tests.Orleans;

/// <summary>
/// A two-silo Orleans test cluster whose clustering, grain state and reminders all live in one
/// PostgreSQL database created from our scripts (no test-cluster membership).
/// </summary>
public sealed class OrleansCluster : IAsyncLifetime
{
    public const string StorageName = "postgres";
    public const string DeletingStorageName = "postgres-delete-on-clear";
    private const string ConnectionStringKey = "ProfileGridTests:PostgresConnectionString";

    private readonly PostgresServerFixture postgres = new();

    public TestCluster Cluster { get; private set; } = null!;

    public string ConnectionString { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await postgres.InitializeAsync();
        if (!PostgresTestEnvironment.IsAvailable)
        {
            return;
        }

        // A session time zone far from UTC catches timestamps that are written or read as local time.
        ConnectionString = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync("orleans_cluster"))
        {
            Options = "-c TimeZone=Pacific/Chatham",
        }.ConnectionString;
        await new PostgresSchemaMigrator(ConnectionString).MigrateAsync();

        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.UseTestClusterMembership = false;
        builder.Properties[ConnectionStringKey] = ConnectionString;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }

        await postgres.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration[ConnectionStringKey];
            siloBuilder
                .UseAdoNetClustering(options =>
                {
                    options.Invariant = OrleansAdoNet.Invariant;
                    options.ConnectionString = connectionString;
                })
                .AddAdoNetGrainStorage(StorageName, options =>
                {
                    options.Invariant = OrleansAdoNet.Invariant;
                    options.ConnectionString = connectionString;
                })
                .AddAdoNetGrainStorage(DeletingStorageName, options =>
                {
                    options.Invariant = OrleansAdoNet.Invariant;
                    options.ConnectionString = connectionString;
                    options.DeleteStateOnClear = true;
                })
                .UseAdoNetReminderService(options =>
                {
                    options.Invariant = OrleansAdoNet.Invariant;
                    options.ConnectionString = connectionString;
                })
                .Configure<ReminderOptions>(options => options.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseAdoNetClustering(options =>
            {
                options.Invariant = OrleansAdoNet.Invariant;
                options.ConnectionString = configuration[ConnectionStringKey];
            });
    }
}
