using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Hosting;
using Orleans.TestingHost;
using ProfileGrid.Hosting;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// Two silos whose grains read time from one <see cref="FakeTimeProvider"/> (advanced by the tests, never slept
/// on) and hand membership changes to a recording publisher.
/// </summary>
public class SegmentsClusterFixture : IAsyncLifetime
{
    /// <summary>Silos are in-process, so they share these with the test.</summary>
    private static readonly ConcurrentDictionary<string, FakeTimeProvider> Clocks = new();
    private static readonly ConcurrentDictionary<string, RecordingPublisher> Publishers = new();
    private readonly string _name = Guid.NewGuid().ToString("N");

    public TestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.Client;
    public FakeTimeProvider Clock => Clocks[_name];
    public RecordingPublisher Published => Publishers[_name];
    public ISegmentRegistryGrain Registry => Grains.GetGrain<ISegmentRegistryGrain>(0);
    /// <summary>The services of the first silo (the embedded stores are shared by the silos of the process).</summary>
    public IServiceProvider SiloServices => Cluster.GetActiveSilos().OfType<InProcessSiloHandle>().First().SiloHost.Services;

    protected virtual Dictionary<string, string?> Settings => new()
    {
        ["ProfileGrid:Segments:CatalogRefreshMilliseconds"] = "50",
        ["ProfileGrid:Segments:AudienceShards"] = "4",
        ["ProfileGrid:Segments:DirectoryShards"] = "4",
    };

    public async Task InitializeAsync()
    {
        Clocks[_name] = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Publishers[_name] = new RecordingPublisher();
        var builder = new TestClusterBuilder(2);
        var settings = Settings;
        settings["Test:Name"] = _name;
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(settings));
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var name = silo.Configuration["Test:Name"]!;
            silo.AddProfileGrid(silo.Configuration);
            silo.Services.AddSingleton<TimeProvider>(new WallTimersClock(Clocks[name]));
            silo.Services.AddSingleton<ISegmentChangePublisher>(Publishers[name]);
            // The reminder service's refresh from the reminder table runs on the fake clock too, and a test's jump
            // of the clock can bring it due in the same moment as a reminder's tick. A refresh that comes before
            // the tick has fired takes the tick for missed and, the next one being a period (an hour) away, outside
            // its loading window, unloads the reminder. A window longer than the period keeps it loaded.
            silo.Services.Configure<ReminderOptions>(o => o.ReminderLoadingWindow = TimeSpan.FromHours(2));
            silo.AddIncomingGrainCallFilter<WalkVisits.Filter>();
        }
    }
}

/// <summary>The profiles a batch walk asked to refresh their segments (any fixture, any test: look for your own ids).</summary>
public static class WalkVisits
{
    private static readonly ConcurrentDictionary<string, int> Visits = new();

    public static int Of(string profileId) => Visits.GetValueOrDefault(profileId);

    public sealed class Filter : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == nameof(IProfileSegmentsGrain.RefreshSegments))
                Visits.AddOrUpdate(context.TargetId.Key.ToString()!, 1, (_, n) => n + 1);
            return context.Invoke();
        }
    }
}

/// <summary>
/// The test's fake "now" with real timers: grains read the date from the fake clock, while Orleans' own timers
/// (reminder service, membership) keep running on the machine's clock. The reminder service reads the date from
/// this clock too: a reminder fires once the fake clock has reached its time (a millisecond past it when the
/// service computes its wait only after that time: a test waiting for a tick moves the clock on a little).
/// </summary>
public sealed class WallTimersClock(FakeTimeProvider now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now.GetUtcNow();
}

/// <summary>Tiny limits, to see them hit and reported.</summary>
public sealed class SegmentLimitsClusterFixture : SegmentsClusterFixture
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["ProfileGrid:Segments:MaxSegments"] = "2",
        ["ProfileGrid:Segments:MaxExpressionLength"] = "40",
    };
}

/// <summary>Every change any silo published, in publication order per profile.</summary>
public sealed class RecordingPublisher : ISegmentChangePublisher
{
    private readonly ConcurrentQueue<SegmentMembershipChange> _changes = new();

    public Task Publish(IReadOnlyList<SegmentMembershipChange> changes)
    {
        foreach (var change in changes) _changes.Enqueue(change);
        return Task.CompletedTask;
    }

    public List<SegmentMembershipChange> For(string profileId) => [.. _changes.Where(c => c.ProfileId == profileId)];

    public List<SegmentMembershipChange> ForSegment(string segmentId) => [.. _changes.Where(c => c.SegmentId == segmentId)];
}

[CollectionDefinition(Name)]
public sealed class SegmentsClusterCollection : ICollectionFixture<SegmentsClusterFixture>
{
    public const string Name = "segments cluster";
}
