using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ProfileGrid.Segments;

/// <summary>
/// The batch evaluation of one segment definition: asks every profile in the directory (in memory or not) to
/// bring its memberships up to the definition's catalogue version, reporting progress to the registry. Profiles
/// minted after the walk began (<see cref="ProfileIds"/>) are left out: every silo had the definition by then, so
/// they evaluated it themselves (with a hundred segments defined at once, visiting the people created meanwhile
/// was a call per segment and person).
/// Reentrant: a newer revision supersedes the walk in progress.
/// </summary>
[Reentrant]
public sealed class SegmentEvaluationGrain(IOptions<SegmentOptions> options, ILogger<SegmentEvaluationGrain> logger) : Grain, ISegmentEvaluationGrain
{
    private const int PageSize = 1000;

    /// <summary>How far a silo's clock may run ahead of this one's without a walk leaving out a profile it minted.</summary>
    public static readonly TimeSpan ClockSkewMargin = TimeSpan.FromSeconds(5);
    private long _revision;

    public async Task Start(long revision)
    {
        if (revision <= _revision) return;
        _revision = revision;
        var segmentId = this.GetPrimaryKeyString();
        var registry = GrainFactory.GetGrain<ISegmentRegistryGrain>(0);
        var settings = options.Value;
        try
        {
            // Every silo's cached catalogue has this revision after one refresh interval; a profile created after
            // that evaluates the segment itself, one created before is in the directory by the time the walk reads it.
            await Task.Delay(TimeSpan.FromMilliseconds(2.0 * settings.CatalogRefreshMilliseconds));
            if (_revision != revision) return;
            // So a profile minted after this moment (ids carry their minting time) is left out: it evaluated the
            // segment itself. The system clock, as ids are minted by it; a silo whose clock runs ahead by more than
            // the margin would have its own left out early.
            var walkFrom = DateTimeOffset.UtcNow + ClockSkewMargin;
            var shards = Enumerable.Range(0, settings.DirectoryShards).Select(s => GrainFactory.GetGrain<IProfileDirectoryGrain>(s)).ToList();
            var total = (await Task.WhenAll(shards.Select(s => s.Count()))).Sum();
            long evaluated = 0;
            await registry.ReportEvaluation(segmentId, revision, new SegmentEvaluation(SegmentEvaluationStatus.Running, 0, total));
            foreach (var shard in shards)
            {
                string? after = null;
                while (true)
                {
                    var page = await shard.Page(after, PageSize);
                    var older = page.ProfileIds.Where(id => !ProfileIds.MintedAfter(id, walkFrom));
                    foreach (var chunk in older.Chunk(Math.Max(1, settings.BatchParallelism)))
                    {
                        await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<IProfileSegmentsGrain>(id).RefreshSegments(revision)));
                        evaluated += chunk.Length;
                        if (_revision != revision) return;
                    }
                    total = Math.Max(total, evaluated);
                    await registry.ReportEvaluation(segmentId, revision, new SegmentEvaluation(SegmentEvaluationStatus.Running, evaluated, total));
                    if (!page.HasMore || page.ProfileIds.IsEmpty) break;
                    after = page.ProfileIds[^1];
                }
            }
            await registry.ReportEvaluation(segmentId, revision, new SegmentEvaluation(SegmentEvaluationStatus.Completed, evaluated, Math.Max(total, evaluated)));
            logger.LogInformation("Segment {Segment} revision {Revision} evaluated over {Count} profiles", segmentId, revision, evaluated);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Batch evaluation of segment {Segment} revision {Revision} failed; it restarts when the registry reactivates", segmentId, revision);
            if (_revision == revision) _revision = 0;
        }
    }
}
