using Orleans.Runtime;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>Helpers for segment tests: define, wait for batch evaluation, read memberships and audiences.</summary>
public static class Segmentation
{
    public static async Task<SegmentInfo> Define(this SegmentsClusterFixture fixture, string id, string expression, string? name = null)
    {
        var result = await fixture.Registry.Define(id, name ?? id, expression);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems.IsDefault ? [] : result.Problems.Select(p => p.Message)));
        return await fixture.Evaluated(id);
    }

    /// <summary>Waits (bounded) until the batch evaluation of the segment's current definition has completed.</summary>
    public static async Task<SegmentInfo> Evaluated(this SegmentsClusterFixture fixture, string id)
    {
        for (var i = 0; i < 400; i++)
        {
            var info = await fixture.Registry.Get(id);
            if (info?.Evaluation.Status == SegmentEvaluationStatus.Completed) return info;
            await Task.Delay(25);
        }
        throw new TimeoutException($"segment {id} was not evaluated within 10 s");
    }

    /// <summary>Collects the profile's activation (a grain just called may survive one collection).</summary>
    public static async Task Deactivate(this SegmentsClusterFixture fixture, string profileId)
    {
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        for (var i = 0; i < 50; i++)
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            if (!(await management.GetActiveGrains(GrainType.Create("profile"))).Any(g => g.Key.ToString() == profileId)) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"profile {profileId} stayed active");
    }

    public static async Task<string> ProfileOf(this IGrainFactory grains, string ns, string id) =>
        (await grains.Lookup(ns, id, lastEvents: 0))?.Id ?? throw new InvalidOperationException($"no profile for {ns}:{id}");

    /// <summary>Segment ids the person is in now.</summary>
    public static async Task<string[]> SegmentsOf(this IGrainFactory grains, string profileId)
    {
        var (memberships, mergedInto) = await grains.GetGrain<IProfileSegmentsGrain>(profileId).GetSegments();
        Assert.Null(mergedInto);
        return [.. memberships.Where(m => m.Status == MembershipStatus.Realized).Select(m => m.SegmentId).Order(StringComparer.Ordinal)];
    }

    public static async Task<bool> IsIn(this IGrainFactory grains, string ns, string id, string segmentId) =>
        (await grains.SegmentsOf(await grains.ProfileOf(ns, id))).Contains(segmentId);

    /// <summary>Every member of a segment's audience, over all shards.</summary>
    public static async Task<HashSet<string>> Audience(this IGrainFactory grains, string segmentId, int shards = 4)
    {
        var members = new HashSet<string>(StringComparer.Ordinal);
        for (var shard = 0; shard < shards; shard++)
        {
            string? after = null;
            while (true)
            {
                var page = await grains.GetGrain<IAudienceShardGrain>(shard).Page(segmentId, after, 100);
                members.UnionWith(page.ProfileIds);
                if (!page.HasMore) break;
                after = page.ProfileIds[^1];
            }
        }
        return members;
    }

    public static async Task<long> AudienceSize(this IGrainFactory grains, string segmentId, int shards = 4) =>
        (await Task.WhenAll(Enumerable.Range(0, shards)
            .Select(s => grains.GetGrain<IAudienceShardGrain>(s).Count(segmentId)))).Sum();

    /// <summary>Every profile id in the directory.</summary>
    public static async Task<List<string>> Directory(this IGrainFactory grains, int shards = 4)
    {
        var ids = new List<string>();
        for (var shard = 0; shard < shards; shard++)
        {
            string? after = null;
            while (true)
            {
                var page = await grains.GetGrain<IProfileDirectoryGrain>(shard).Page(after, 500);
                ids.AddRange(page.ProfileIds);
                if (!page.HasMore) break;
                after = page.ProfileIds[^1];
            }
        }
        return ids;
    }

    public static Task<string> SetTraits(this IGrainFactory grains, string ns, string id, string json, DateTimeOffset at) =>
        grains.GetGrain<IIngestGrain>(0).SetTraits(IdentityRules.Default.Normalize(ns, id), json, at);

    public static Task<string?> Unlink(this IGrainFactory grains, string ns, string id) =>
        grains.GetGrain<IIngestGrain>(0).Unlink(IdentityRules.Default.Normalize(ns, id));

    public static RawEvent At(this RawEvent e, DateTimeOffset at, double? revenue = null, string? attributes = null) =>
        e with { Timestamp = at.ToString("O"), Revenue = revenue ?? e.Revenue, AttributesJson = attributes ?? e.AttributesJson };
}
