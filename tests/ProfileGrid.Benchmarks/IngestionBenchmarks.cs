using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Hosting;
using Orleans;
using ProfileGrid.Events;
using ProfileGrid.Hosting;
using ProfileGrid.Ingestion;

namespace ProfileGrid.Benchmarks;

/// <summary>
/// Events per second through the ingest grain of an in-process silo (embedded default storage):
/// validation, idempotency, stitching and the profile write, for a realistic mix of known and new
/// people, authenticated and anonymous events. One operation is one event.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 8)]
[MemoryDiagnoser]
public class IngestionBenchmarks
{
    public const int EventsPerIteration = 20_000;
    private const int People = 20_000;
    private Microsoft.Extensions.Hosting.IHost _host = null!;
    private IIngestGrain _ingest = null!;
    private ImmutableArray<RawEvent>[] _batches = [];
    private int _iteration;

    [Params(500)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddProfileGrid(builder.Configuration));
        _host = builder.Build();
        await _host.StartAsync();
        _ingest = _host.Services.GetRequiredService<IGrainFactory>().GetGrain<IIngestGrain>(0);
    }

    [IterationSetup]
    public void NextEvents()
    {
        var random = new Random(_iteration);
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, EventsPerIteration).Select(i => SyntheticEvent(random, _iteration, i, now)).ToList();
        _batches = [.. events.Chunk(BatchSize).Select(c => c.ToImmutableArray())];
        _iteration++;
    }

    [Benchmark(OperationsPerInvoke = EventsPerIteration)]
    public async Task IngestEvents()
    {
        // Several callers at once, as many HTTP requests would be.
        await Parallel.ForEachAsync(_batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, _) =>
        {
            var result = await _ingest.Ingest(batch);
            if (result.Rejected.Length > 0) throw new InvalidOperationException(result.Rejected[0].Reason);
        });
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _host.StopAsync();

    /// <summary>A person seen through their email, their device, or both; a few kinds of events.</summary>
    public static RawEvent SyntheticEvent(Random random, int iteration, int index, DateTimeOffset now)
    {
        var person = random.Next(People);
        var types = new[] { "web.pageView", "commerce.productView", "commerce.addToCart", "commerce.purchase", "email.open" };
        var type = types[random.Next(types.Length)];
        var identities = (random.Next(3)) switch
        {
            0 => ImmutableArray.Create(new RawIdentity("email", $"person{person}@bench.example")),
            1 => ImmutableArray.Create(new RawIdentity("ecid", $"device-{person}")),
            _ => ImmutableArray.Create(new RawIdentity("email", $"person{person}@bench.example"), new RawIdentity("ecid", $"device-{person}")),
        };
        return new RawEvent
        {
            Id = $"bench-{iteration}-{index}",
            Type = type,
            Timestamp = now.AddSeconds(-random.Next(86_400 * 30)).ToString("O"),
            Identities = identities,
            Channel = random.Next(2) == 0 ? "web" : "mobile",
            Revenue = type == "commerce.purchase" ? Math.Round(random.NextDouble() * 200, 2) : null,
            AttributesJson = """{"sku":"YS-204","category":"yoga"}""",
            SizeBytes = 300,
        };
    }
}
