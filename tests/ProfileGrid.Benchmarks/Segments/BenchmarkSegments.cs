using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Hosting;
using Orleans;
using ProfileGrid.Hosting;
using ProfileGrid.Segments;

namespace ProfileGrid.Benchmarks.Segments;

/// <summary>A silo in process and a catalogue of realistic, mixed segment definitions for the segment benchmarks.</summary>
public static class BenchmarkSegments
{
    /// <summary>The comma-separated counts in environment variable <paramref name="variable"/>, else <paramref name="defaults"/>.</summary>
    public static IEnumerable<int> CountsFrom(string variable, string defaults) =>
        (Environment.GetEnvironmentVariable(variable) ?? defaults)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// Mixed shapes a marketing team writes: recent purchases by category, visit counts in a window, abandoned carts
    /// (presence and absence in 1h), funnels, revenue sums, traits, stats, identities, and segments built on others.
    /// </summary>
    public static string Expression(int i)
    {
        string[] categories = ["yoga", "running", "hiking", "tennis", "swim"];
        var category = categories[i % categories.Length];
        return (i % 10) switch
        {
            0 => $"exists(events where type = \"commerce.purchase\" and attributes.category = \"{category}\" within {7 + i % 60}d)",
            1 => $"count(events where type = \"web.pageView\" within {1 + i % 30}d) >= {1 + i % 5}",
            2 => $"traits.loyaltyTier = \"tier{i % 7}\" or traits.country in [\"US\", \"CA\"]",
            3 => $"stats.lifetimeRevenue > {i % 500} and stats.purchaseCount >= {1 + i % 3}",
            4 => "hasIdentity(\"email\") and exists(events where type = \"commerce.addToCart\" within 1h) and not exists(events where type = \"commerce.purchase\" within 1h)",
            5 => $"sequence(events where type = \"commerce.productView\", events where type = \"commerce.addToCart\") within {1 + i % 14}d",
            6 => $"sum(revenue of events where type = \"commerce.purchase\" within {30 + i % 90}d) >= {50 + i % 200}",
            7 => i >= 10 ? $"inSegment(\"bench-{i - 7}\") and stats.eventCount > {i % 20}" : "stats.eventCount > 3",
            8 => $"count(events where type = \"email.open\" and channel = \"mobile\" within {14 + i % 30}d) >= 2",
            _ => $"count(events where type = \"commerce.purchase\" and attributes.category = \"{category}\") >= 1 and not exists(events where type = \"commerce.purchase\" within {30 + i % 30}d)",
        };
    }

    public static async Task<Microsoft.Extensions.Hosting.IHost> StartSilo(Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        // A fresh service id per silo: the embedded storage is process-wide, and each benchmark case must start from an empty grid.
        var serviceId = $"bench-{Guid.NewGuid():N}";
        builder.UseOrleans(silo => silo.UseLocalhostClustering(serviceId: serviceId, clusterId: serviceId).AddProfileGrid(builder.Configuration));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Defines segments bench-0 .. bench-(count-1) and waits until their (empty-grid) evaluations completed.</summary>
    public static async Task Define(IGrainFactory grains, int count)
    {
        var registry = grains.GetGrain<ISegmentRegistryGrain>(0);
        for (var i = 0; i < count; i++)
        {
            var result = await registry.Define($"bench-{i}", $"Benchmark segment {i}", Expression(i));
            if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Problems.Select(p => p.Message)));
        }
        for (var i = 0; i < count; i++) await WaitEvaluated(grains, $"bench-{i}");
    }

    public static async Task<SegmentInfo> WaitEvaluated(IGrainFactory grains, string id)
    {
        var registry = grains.GetGrain<ISegmentRegistryGrain>(0);
        while (true)
        {
            var info = await registry.Get(id) ?? throw new InvalidOperationException($"no segment {id}");
            if (info.Evaluation.Status == SegmentEvaluationStatus.Completed) return info;
            await Task.Delay(20);
        }
    }
}

/// <summary>
/// Monitoring runs in the benchmark's own process: the segment benchmarks start a silo and hold a grid in memory,
/// and a separate build per run does not finish within BenchmarkDotNet's build timeout on a busy 2-core machine.
/// </summary>
public abstract class InProcessMonitoring : ManualConfig
{
    protected InProcessMonitoring(int iterations) =>
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(iterations)
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(2), logOutput: true)));
}

public sealed class InProcessMonitoring5() : InProcessMonitoring(5);

public sealed class InProcessMonitoring3() : InProcessMonitoring(3);
