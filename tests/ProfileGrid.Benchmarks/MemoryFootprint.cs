using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Orleans;
using Orleans.Runtime;
using ProfileGrid.Benchmarks.Segments;
using ProfileGrid.Events;
using ProfileGrid.Hosting;
using ProfileGrid.Ingestion;

namespace ProfileGrid.Benchmarks;

/// <summary>
/// Memory held by an embedded (in-memory) grid per profile: starts a silo in this process with the
/// given number of live segments, ingests <c>--events</c> events for each of <c>--profiles</c> people
/// (each with an email and a device id, events spread over 60 days), and reports the managed heap and
/// the process's working set after a full compacting collection, twice: with every profile active,
/// and after every profile and identity was deactivated (what stays is the embedded storage, and the embedded
/// journal's event ids, which a running silo keeps in memory). The per-profile figures
/// scale linearly, so they also say what 1,000,000 profiles would take.
/// With <c>--quiet-seconds N</c> it also measures after N seconds without events, when the grains whose
/// collection age is shorter than that (identity grains, 2 minutes) have left memory and the profiles have not.
/// <code>memory [--profiles 100000] [--events 20] [--segments 20] [--quiet-seconds 0]</code>
/// </summary>
public static class MemoryFootprint
{
    public static async Task<int> Run(string[] args)
    {
        var options = CommandOptions.Parse("memory", args, ["--profiles", "--events", "--segments", "--quiet-seconds"]);
        var profiles = options.Int("--profiles", 100_000);
        var eventsPerProfile = options.Int("--events", 20);
        var segments = options.Int("--segments", 20, min: 0);
        var quietSeconds = options.Int("--quiet-seconds", 0, min: 0);
        var baseline = Measure();
        using var host = await BenchmarkSegments.StartSilo();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        await BenchmarkSegments.Define(grains, segments);
        var empty = Measure();

        var ingest = grains.GetGrain<IIngestGrain>(0);
        var random = new Random(11);
        var now = DateTimeOffset.UtcNow;
        var types = new[] { "web.pageView", "commerce.productView", "commerce.addToCart", "commerce.purchase", "email.open" };
        var started = Stopwatch.GetTimestamp();
        // Round by round, so every person gets their events in time order and each batch spans 500 people.
        for (var round = 0; round < eventsPerProfile; round++)
        {
            var batches = Enumerable.Range(0, profiles).Select(p =>
            {
                var type = types[(p + round) % types.Length];
                return new RawEvent
                {
                    Id = $"m-{p}-{round}",
                    Type = type,
                    Timestamp = now.AddDays(-60).AddMinutes(round * 60 * 24 * 3 + random.Next(600)).ToString("O", CultureInfo.InvariantCulture),
                    Identities = round == 0
                        ? [new RawIdentity("email", $"member{p}@bench.example"), new RawIdentity("ecid", $"device-{p}")]
                        : [new RawIdentity("ecid", $"device-{p}")],
                    Channel = round % 2 == 0 ? "web" : "mobile",
                    Revenue = type == "commerce.purchase" ? 40 : null,
                    AttributesJson = $$"""{"category":"{{(p % 2 == 0 ? "yoga" : "running")}}","sku":"SKU-{{p % 500}}"}""",
                    SizeBytes = 200,
                };
            }).Chunk(500).Select(c => c.ToImmutableArray()).ToList();
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, _) =>
            {
                var result = await ingest.Ingest(batch);
                if (result.Rejected.Length > 0) throw new InvalidOperationException(result.Rejected[0].Reason);
            });
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var active = Measure();
        // Nothing happens for a while: grains whose collection age is shorter than that (identities) leave memory.
        (long Heap, long WorkingSet)? quiet = null;
        if (quietSeconds > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(quietSeconds));
            quiet = Measure();
        }
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await Task.Delay(TimeSpan.FromSeconds(5));
        // A running silo's embedded journal keeps its event-id shards active (every ingestion call reaches all of
        // them), so they are woken again: what stays is what a running silo holds for people not seen lately.
        await Task.WhenAll(Enumerable.Range(0, EventIdShardGrain.ShardCount).Select(s => grains.EventIds(s).TryClaim([])));
        var idle = Measure();

        var total = (long)profiles * eventsPerProfile;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{profiles:N0} profiles x {eventsPerProfile} events ({total:N0} events, 2 identities each) with {segments} live segments, ingested in {seconds:F0} s ({total / seconds:N0} events/s); GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"process before the silo: heap {Mb(baseline.Heap)}, working set {Mb(baseline.WorkingSet)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"silo, no profiles:       heap {Mb(empty.Heap)}, working set {Mb(empty.WorkingSet)}"));
        Report("every profile active", active, empty, profiles);
        if (quiet is { } q) Report($"{quietSeconds} s without events", q, empty, profiles);
        Report("every person deactivated", idle, empty, profiles);
        return 0;
    }

    private static void Report(string label, (long Heap, long WorkingSet) at, (long Heap, long WorkingSet) empty, int profiles)
    {
        var heapPer = (double)(at.Heap - empty.Heap) / profiles;
        var setPer = (double)(at.WorkingSet - empty.WorkingSet) / profiles;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label + ":",-27}heap {Mb(at.Heap)}, working set {Mb(at.WorkingSet)}; per profile {heapPer / 1024:F1} KiB heap, {setPer / 1024:F1} KiB working set -> 1,000,000 profiles ≈ {heapPer * 1e6 / (1L << 30):F1} GiB heap, {setPer * 1e6 / (1L << 30):F1} GiB working set"));
    }

    private static (long Heap, long WorkingSet) Measure()
    {
        for (var i = 0; i < 2; i++)
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64);
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):N0} MiB");
}
