using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Hosting;
using Orleans;
using ProfileGrid.Events;
using ProfileGrid.Ingestion;
using ProfileGrid.Segments;

namespace ProfileGrid.Benchmarks.Segments;

/// <summary>
/// Time from <c>defineSegment</c> to its batch evaluation COMPLETED over N existing profiles (every profile in the
/// directory refreshed, audiences filled). One operation is one new segment. Includes the fixed wait of twice
/// <c>ProfileGrid:Segments:CatalogRefreshMilliseconds</c> (set to 100 ms here, 500 ms by default) before the walk.
/// With <c>PROFILEGRID_BENCH_DEACTIVATED=1</c> every grain is deactivated before each operation, so the walk
/// activates every profile (reading its state back from the embedded storage's serialized form).
/// </summary>
[Config(typeof(InProcessMonitoring3))]
public class NewSegmentEvaluationBenchmarks
{
    private Microsoft.Extensions.Hosting.IHost _host = null!;
    private IGrainFactory _grains = null!;
    private int _defined;

    /// <summary>Profile counts to measure: <c>PROFILEGRID_BENCH_PROFILES</c> (comma-separated), by default 10,000 and 100,000.</summary>
    public static IEnumerable<int> ProfileCounts() => BenchmarkSegments.CountsFrom("PROFILEGRID_BENCH_PROFILES", "10000,100000");

    [ParamsSource(nameof(ProfileCounts))]
    public int Profiles { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _host = await BenchmarkSegments.StartSilo(new() { ["ProfileGrid:Segments:CatalogRefreshMilliseconds"] = "100" });
        _grains = _host.Services.GetRequiredService<IGrainFactory>();
        await BenchmarkSegments.Define(_grains, 20);
        var ingest = _grains.GetGrain<IIngestGrain>(0);
        var random = new Random(7);
        var now = DateTimeOffset.UtcNow;
        var batches = Enumerable.Range(0, Profiles).Select(p => new RawEvent
        {
            Id = $"seed-{p}",
            Type = p % 3 == 0 ? "commerce.purchase" : "web.pageView",
            Timestamp = now.AddMinutes(-random.Next(60 * 24 * 60)).ToString("O"),
            Identities = [new RawIdentity("email", $"member{p}@bench.example")],
            Channel = "web",
            Revenue = p % 3 == 0 ? 40 : null,
            AttributesJson = $$"""{"category":"{{(p % 2 == 0 ? "yoga" : "running")}}"}""",
            SizeBytes = 200,
        }).Chunk(500).Select(c => c.ToImmutableArray()).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, _) =>
        {
            var result = await ingest.Ingest(batch);
            if (result.Rejected.Length > 0) throw new InvalidOperationException(result.Rejected[0].Reason);
        });
    }

    [IterationSetup]
    public void DeactivateWhenAsked()
    {
        if (Environment.GetEnvironmentVariable("PROFILEGRID_BENCH_DEACTIVATED") != "1") return;
        // Millions of deactivations outlast a call's 30 s response timeout: ask again until one call sees them
        // done, then wait for the silo to have (almost) nothing active left.
        var management = _grains.GetGrain<IManagementGrain>(0);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                management.ForceActivationCollection(TimeSpan.Zero).GetAwaiter().GetResult();
                break;
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException && attempt < 20)
            {
            }
        }
        while (management.GetTotalActivationCount().GetAwaiter().GetResult() > 1_000) Thread.Sleep(1_000);
    }

    [Benchmark]
    public async Task<SegmentInfo> DefineAndEvaluateOverAllProfiles()
    {
        var id = $"new-{_defined++}";
        var result = await _grains.GetGrain<ISegmentRegistryGrain>(0)
            .Define(id, id, "exists(events where type = \"commerce.purchase\" and attributes.category = \"yoga\" within 60d)");
        if (!result.Succeeded) throw new InvalidOperationException(result.Problems[0].Message);
        var info = await BenchmarkSegments.WaitEvaluated(_grains, id);
        if (info.Evaluation.Evaluated < Profiles) throw new InvalidOperationException($"evaluated {info.Evaluation.Evaluated} of {Profiles}");
        return info;
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _host.StopAsync();
}
