using ProfileGrid.Segments;

namespace ProfileGrid.Durability.Tests;

/// <summary>Reading segment state back from the grid: evaluation status, audiences and the profile directory.</summary>
public static class SegmentQueries
{
    /// <summary>The grid's default shard count for audiences and the directory.</summary>
    public const int Shards = 16;

    /// <summary>Defines a segment (its id is also its name) and waits until its batch evaluation has completed.</summary>
    public static async Task DefinedAsync(IGrainFactory grains, string segmentId, string expression)
    {
        var defined = await grains.GetGrain<ISegmentRegistryGrain>(0).Define(segmentId, segmentId, expression);
        Assert.True(defined.Succeeded, string.Join("; ", defined.Problems.Select(p => p.Message)));
        await EvaluatedAsync(grains, segmentId);
    }

    /// <summary>Waits until the segment's batch evaluation has completed.</summary>
    public static Task EvaluatedAsync(IGrainFactory grains, string segmentId) =>
        Waiting.UntilAsync(
            async () => (await grains.GetGrain<ISegmentRegistryGrain>(0).Get(segmentId))?.Evaluation.Status == SegmentEvaluationStatus.Completed,
            TimeSpan.FromSeconds(30), $"evaluation of segment {segmentId}");

    /// <summary>Every member of the segment's audience, in id order.</summary>
    public static Task<string[]> AudienceAsync(IGrainFactory grains, string segmentId) =>
        AllPages(Enumerable.Range(0, Shards).Select(shard => (Func<string?, Task<ProfileIdPage>>)(after =>
            grains.GetGrain<IAudienceShardGrain>(shard).Page(segmentId, after, 100))));

    /// <summary>Every profile in the directory, in id order.</summary>
    public static Task<string[]> DirectoryAsync(IGrainFactory grains) =>
        AllPages(Enumerable.Range(0, Shards).Select(shard => (Func<string?, Task<ProfileIdPage>>)(after => grains.GetGrain<IProfileDirectoryGrain>(shard).Page(after, 100))));

    public static string[] Sorted(IEnumerable<string> ids) => [.. ids.Order(StringComparer.Ordinal)];

    private static async Task<string[]> AllPages(IEnumerable<Func<string?, Task<ProfileIdPage>>> shards)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var page in shards)
        {
            string? after = null;
            while (true)
            {
                var current = await page(after);
                ids.UnionWith(current.ProfileIds);
                if (!current.HasMore) break;
                after = current.ProfileIds[^1];
            }
        }
        return Sorted(ids);
    }
}
