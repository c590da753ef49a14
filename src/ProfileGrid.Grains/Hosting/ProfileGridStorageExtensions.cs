using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using ProfileGrid.Ingestion;
using ProfileGrid.Segments;
using ProfileGrid.Storage;
using ProfileGrid.Storage.Postgres;
using ProfileGrid.Storage.Postgres.EventLog;
using ProfileGrid.Storage.Postgres.GrainState;
using ProfileGrid.Storage.Postgres.Hosting;
using ProfileGrid.Storage.Postgres.Membership;
using ProfileGrid.Storage.Postgres.ProfileSets;
using ProfileGrid.Storage.Postgres.Schema;

namespace ProfileGrid.Hosting;

public static class ProfileGridStorageExtensions
{
    /// <summary>
    /// Clustering and storage as the configuration says (<see cref="ProfileGridStorageSettings"/>):
    /// <c>InMemory</c> is one silo on localhost with in-process state; <c>Postgres</c> is membership,
    /// grain state, reminders and the event log in PostgreSQL, with this silo reachable at
    /// <c>ProfileGrid:AdvertisedIP</c>. A bad value stops the silo at start, naming the key.
    /// </summary>
    public static ISiloBuilder UseProfileGridStorage(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = ProfileGridStorageSettings.FromConfiguration(configuration);
        if (settings.Mode == StorageMode.InMemory)
        {
            // ProfileGrid:PrimarySiloPort joins the localhost silo listening there (two silos on one machine, the tests).
            var primarySiloPort = configuration.GetValue<int?>("ProfileGrid:PrimarySiloPort");
            var primary = primarySiloPort is int port ? new IPEndPoint(IPAddress.Loopback, port) : null;
            return silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, primary, settings.ServiceId, settings.ClusterId);
        }

        var connectionString = settings.ConnectionString!;
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = settings.ClusterId;
            options.ServiceId = settings.ServiceId;
        });
        // Loopback is a laptop or a test: listen there only. Any other address (a container, a node):
        // listen on every interface and advertise that one.
        silo.ConfigureEndpoints(settings.AdvertisedIP, settings.SiloPort, settings.GatewayPort,
            listenOnAnyHostAddress: !IPAddress.IsLoopback(settings.AdvertisedIP));
        silo.UseAdoNetClustering(options =>
        {
            options.Invariant = OrleansAdoNet.Invariant;
            options.ConnectionString = connectionString;
        });
        return silo.AddProfileGridPostgresStorage(connectionString, configuration);
    }

    /// <summary>
    /// Everything a silo keeps in PostgreSQL except membership: the schema (created or upgraded before
    /// the silo starts; silos starting together are serialised by an advisory lock), grain state with
    /// ETags, reminders, the durable event journal with its recovery pass, and the directory and audience
    /// sets of profile ids (stored by delta, <see cref="PostgresProfileSets"/>). Separate from
    /// clustering so that test clusters, which choose their own endpoints, can use it.
    /// </summary>
    public static ISiloBuilder AddProfileGridPostgresStorage(this ISiloBuilder silo, string connectionString, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new MigrateSchemaAtStart(connectionString, sp.GetRequiredService<ILogger<MigrateSchemaAtStart>>()));
        // Grain state is derived: what makes an acknowledged event durable is the event log, committed
        // synchronously, and its "not yet applied" marker, deleted (synchronously) only after the
        // profile write. PostgreSQL's WAL is ordered, so that delete being durable makes every earlier
        // grain write durable too; a grain write lost to a database crash is re-applied from the log.
        // So grain state commits without waiting for the disk, unless configured otherwise.
        var synchronousCommit = configuration.GetValue(GrainStateSynchronousCommitKey, false);
        var grainStateConnectionString = PostgresConnectionStrings.ForPool(connectionString, GrainStatePoolSize, synchronousCommit, multiplexing: true);
        // Orleans' own serializer, not the JSON default: state types keep private fields marked [Id]
        // (the identity graph, the trait set) that a JSON serializer would silently drop.
        if (GrainStorageMode(configuration) == PostgresGrainStorageKind.Batched)
        {
            silo.Services.AddGrainStorage(ProfileGridStorage.Name, (services, _) => PostgresGrainStorage.Create(
                grainStateConnectionString,
                services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
                new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
                services.GetRequiredService<IActivatorProvider>(),
                logger: services.GetRequiredService<ILogger<PostgresGrainStorage>>()));
        }
        else
        {
            silo.AddAdoNetGrainStorage(ProfileGridStorage.Name, (OptionsBuilder<AdoNetGrainStorageOptions> options) => options.Configure<Serializer>((o, serializer) =>
            {
                o.Invariant = OrleansAdoNet.Invariant;
                o.ConnectionString = grainStateConnectionString;
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        }

        // Profiles are derived from the log: written once per interval, not per event (see ProfileOptions).
        silo.Services.PostConfigure<Profiles.ProfileOptions>(o => o.StateWriteDelay ??= Profiles.ProfileOptions.DurableStateWriteDelay);
        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = OrleansAdoNet.Invariant;
            options.ConnectionString = connectionString;
        });

        silo.Services.AddOptions<EventRecoveryOptions>().Bind(configuration.GetSection(EventRecoveryOptions.Section));
        var eventLogConnectionString = WithPoolCap(connectionString, EventLogPoolSize);
        silo.Services.TryAddSingleton(sp => PostgresEventLog.Create(eventLogConnectionString, logger: sp.GetRequiredService<ILogger<PostgresEventLog>>()));
        silo.Services.TryAddSingleton(sp => PostgresTraitLog.Create(WithPoolCap(connectionString, TraitLogPoolSize), sp.GetService<TimeProvider>()));
        silo.Services.TryAddSingleton(sp => PostgresMembershipVersion.Create(
            WithPoolCap(connectionString, MembershipVersionPoolSize), sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ClusterId));
        silo.Services.TryAddSingleton<LostEventWindow>();
        silo.Services.AddHostedService<LostEventWindowService>();
        silo.Services.TryAddSingleton<PostgresEventJournal>();
        silo.Services.RemoveAll<IEventJournal>();
        silo.Services.AddSingleton<IEventJournal>(sp => sp.GetRequiredService<PostgresEventJournal>());
        silo.Services.TryAddSingleton<EventRecovery>();
        silo.Services.TryAddSingleton<ProfileRebuilder>();
        silo.Services.AddHostedService<EventRecoveryService>();

        // The directory and audience sets are derived like grain state (see above) and commit like it.
        var profileSetsConnectionString = PostgresConnectionStrings.ForPool(connectionString, ProfileSetsPoolSize, synchronousCommit);
        silo.Services.TryAddSingleton(sp => PostgresProfileSets.Create(profileSetsConnectionString, logger: sp.GetRequiredService<ILogger<PostgresProfileSets>>()));
        silo.Services.RemoveAll<IProfileIdSetStore>();
        silo.Services.AddSingleton<IProfileIdSetStore>(sp => new PostgresProfileIdSetStore(
            sp.GetRequiredService<PostgresProfileSets>(), sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        return silo;
    }

    /// <summary>
    /// Which provider keeps grain state in PostgreSQL: <c>Batched</c> (default), ProfileGrid's own, whose
    /// writes from all grains are committed in groups (<see cref="PostgresGrainStorage"/>), or <c>Orleans</c>,
    /// Orleans' ADO.NET provider, one statement per write. Both use the same rows, so a database moves
    /// between them freely.
    /// </summary>
    public const string GrainStorageKey = "ProfileGrid:Postgres:GrainStorage";

    /// <summary>The <see cref="GrainStorageKey"/> setting; a value naming neither provider is refused, naming the key.</summary>
    public static PostgresGrainStorageKind GrainStorageMode(IConfiguration configuration) =>
        EnumSetting.Read(configuration, GrainStorageKey, PostgresGrainStorageKind.Batched);

    /// <summary>
    /// <c>true</c> makes every grain state write wait for PostgreSQL's disk flush (<c>synchronous_commit</c>);
    /// default <c>false</c>, see <see cref="AddProfileGridPostgresStorage"/>. The event log always waits.
    /// </summary>
    public const string GrainStateSynchronousCommitKey = "ProfileGrid:Postgres:GrainStateSynchronousCommit";

    /// <summary>
    /// Each silo keeps six pools (grain state, the event log, trait observations, the profile id sets, the
    /// membership version the lost-event window reads, and Orleans' membership and reminders), capped so that a
    /// few silos stay under PostgreSQL's default of 100 connections.
    /// </summary>
    private static string WithPoolCap(string connectionString, int cap) => PostgresConnectionStrings.ForPool(connectionString, cap);

    private const int GrainStatePoolSize = 16;
    private const int EventLogPoolSize = 4;
    private const int TraitLogPoolSize = 2;
    /// <summary>The lost-event window reads the membership table's version one read at a time.</summary>
    private const int MembershipVersionPoolSize = 1;
    private const int ProfileSetsPoolSize = 4;

    /// <summary>Brings the schema up to date as the silo's first start-up step, before membership or storage run a query.</summary>
    private sealed class MigrateSchemaAtStart(string connectionString, ILogger<MigrateSchemaAtStart> logger) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(MigrateSchemaAtStart), ServiceLifecycleStage.First, async cancellationToken =>
            {
                var applied = await new PostgresSchemaMigrator(connectionString).MigrateAsync(cancellationToken);
                logger.LogInformation("PostgreSQL schema up to date ({Applied} script(s) applied now)", applied.Count);
            });
    }
}

/// <summary>The grain storage providers a silo on PostgreSQL can use; see <see cref="ProfileGridStorageExtensions.GrainStorageKey"/>.</summary>
public enum PostgresGrainStorageKind
{
    /// <summary>ProfileGrid's own: writes from all grains committed in groups.</summary>
    Batched,

    /// <summary>Orleans' ADO.NET grain storage: one statement per write.</summary>
    Orleans,
}
