using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Hosting;
using Orleans;
using ProfileGrid.Events;
using ProfileGrid.Ingestion;

namespace ProfileGrid.Benchmarks.Segments;

/// <summary>
/// Events per second through the ingest grain with live segments: each event re-evaluates, before it is
/// acknowledged, the segments that read what it changed (its type, stats, identities), updates audiences and
/// publishes changes. Same events and silo as <see cref="IngestionBenchmarks"/>; one operation is one event.
/// </summary>
[Config(typeof(InProcessMonitoring5))]
[MemoryDiagnoser]
public class SegmentIngestionBenchmarks
{
    private const int EventsPerIteration = 20_000;
    private Microsoft.Extensions.Hosting.IHost _host = null!;
    private IIngestGrain _ingest = null!;
    private ImmutableArray<RawEvent>[] _batches = [];
    private int _iteration;

    /// <summary>Live segment counts to measure: <c>PROFILEGRID_BENCH_SEGMENTS</c> (comma-separated), by default 100 and 1,000.</summary>
    public static IEnumerable<int> SegmentCounts() => BenchmarkSegments.CountsFrom("PROFILEGRID_BENCH_SEGMENTS", "100,1000");

    [ParamsSource(nameof(SegmentCounts))]
    public int LiveSegments { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _host = await BenchmarkSegments.StartSilo();
        var grains = _host.Services.GetRequiredService<IGrainFactory>();
        await BenchmarkSegments.Define(grains, LiveSegments);
        _ingest = grains.GetGrain<IIngestGrain>(0);
    }

    [IterationSetup]
    public void NextEvents()
    {
        var random = new Random(_iteration);
        var now = DateTimeOffset.UtcNow;
        // Event ids unique across the cases of one run: ingestion is idempotent by id.
        var events = Enumerable.Range(0, EventsPerIteration)
            .Select(i => IngestionBenchmarks.SyntheticEvent(random, _iteration + 1000 * LiveSegments, i, now)).ToList();
        _batches = [.. events.Chunk(500).Select(c => c.ToImmutableArray())];
        _iteration++;
    }

    [Benchmark(OperationsPerInvoke = EventsPerIteration)]
    public async Task IngestEventsWithLiveSegments()
    {
        await Parallel.ForEachAsync(_batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, _) =>
        {
            var result = await _ingest.Ingest(batch);
            if (result.Rejected.Length > 0) throw new InvalidOperationException(result.Rejected[0].Reason);
        });
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _host.StopAsync();
}
