using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Providers;
using ProfileGrid.Segments;
using ProfileGrid.Storage.Postgres;
using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Hosting;

public static class StreamsHosting
{
    /// <summary>Configuration key: how often an idle stream queue is polled (default 10 ms). It bounds the latency a change adds when the grid is quiet.</summary>
    public const string PollIntervalKey = "ProfileGrid:Subscriptions:StreamPollInterval";

    /// <summary>Changes handed to one subscriber (a host's hub) per delivery call.</summary>
    public const int DeliveryBatchSize = 100;

    /// <summary>The default poll interval: small against the 50 ms event-to-notification budget.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The stream segment membership changes travel on from profile grains to every host's
    /// subscribers (<see cref="SegmentChangeStreams.ProviderName"/>, memory streams), the PubSubStore
    /// that remembers who listens (in-memory for <c>InMemory</c>; PostgreSQL for <c>Postgres</c>, so
    /// subscriptions outlive the silo that held them), and the publisher profile grains call, which
    /// replaces the no-op default.
    /// </summary>
    public static ISiloBuilder AddProfileGridStreams(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var settings = ProfileGridStorageSettings.FromConfiguration(configuration);
        var pollInterval = PollInterval(configuration);
        silo.AddMemoryStreams(SegmentChangeStreams.ProviderName, streams =>
            streams.ConfigurePullingAgent(agent => agent.Configure(options =>
            {
                options.GetQueueMsgsTimerPeriod = pollInterval;
                // Many changes per delivery call to a host's hub instead of one call per change: under
                // load the round trip per call, not the work per change, is what limits a shard.
                options.BatchContainerBatchSize = DeliveryBatchSize;
            })));
        if (settings.Mode == StorageMode.Postgres)
        {
            silo.AddAdoNetGrainStorage(ProviderConstants.DEFAULT_PUBSUB_PROVIDER_NAME, options =>
            {
                options.Invariant = OrleansAdoNet.Invariant;
                options.ConnectionString = settings.ConnectionString;
            });
        }
        else
        {
            silo.AddMemoryGrainStorage(ProviderConstants.DEFAULT_PUBSUB_PROVIDER_NAME);
        }

        silo.Services.AddSingleton<ISegmentChangePublisher, StreamSegmentChangePublisher>();
        return silo;
    }

    /// <summary>Reads <see cref="PollIntervalKey"/>; a value that is not a positive time span stops the silo at start, naming the key.</summary>
    public static TimeSpan PollInterval(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[PollIntervalKey];
        if (string.IsNullOrWhiteSpace(value)) return DefaultPollInterval;
        if (TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            return interval;
        }

        throw new InvalidOperationException($"{PollIntervalKey} is '{value}'; it must be a positive time span such as 00:00:00.010 (default {DefaultPollInterval}).");
    }
}
