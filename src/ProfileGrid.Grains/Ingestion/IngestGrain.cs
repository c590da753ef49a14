using System.Diagnostics.Metrics;
using Orleans.Concurrency;

namespace ProfileGrid.Ingestion;

/// <summary>
/// Validates a batch, claims its event ids (idempotency for ever), and stitches each new event.
/// Events that share their strongest identity are applied in order; the others run in parallel.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class IngestGrain(
    EventValidator validator,
    StitchCoordinator coordinator,
    ILogger<IngestGrain> logger) : Grain, IIngestGrain
{
    private static readonly Meter Meter = new("ProfileGrid.Ingestion");
    private static readonly Counter<long> Accepted = Meter.CreateCounter<long>("profilegrid.events.accepted");
    private static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("profilegrid.events.duplicates");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("profilegrid.events.rejected");

    public async Task<IngestResult> Ingest(ImmutableArray<RawEvent> events)
    {
        var rejected = new List<RejectedEvent>();
        var warnings = new List<IngestWarning>();
        var duplicates = 0;
        if (events.Length > validator.Options.MaxEventsPerRequest)
        {
            return new IngestResult(0, 0,
                [new RejectedEvent(-1, null, $"request: {events.Length} events, over the limit of {validator.Options.MaxEventsPerRequest} (ProfileGrid:Ingestion:MaxEventsPerRequest)")], []);
        }

        var valid = new List<(int Index, CustomerEvent Event)>(events.Length);
        var inBatch = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Length; i++)
        {
            if (!validator.TryValidate(events[i], out var e, out var reason))
            {
                rejected.Add(new RejectedEvent(i, events[i].Id, reason));
                continue;
            }
            if (!inBatch.Add(e.Id)) { duplicates++; continue; }
            valid.Add((i, e));
        }

        var fresh = await ClaimIds(valid.Select(v => v.Event.Id).ToList());
        var toApply = new List<(int Index, CustomerEvent Event)>(valid.Count);
        foreach (var v in valid)
            if (fresh.Contains(v.Event.Id)) toApply.Add(v); else duplicates++;

        var failed = new List<string>();
        var groups = toApply.GroupBy(v => coordinator.PrimaryOf(v.Event)).ToList();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (group, _) =>
        {
            foreach (var (index, e) in group.OrderBy(v => v.Event.Timestamp))
            {
                StitchResult result;
                try
                {
                    result = await coordinator.Stitch(e);
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Event {EventId} failed", e.Id);
                    result = new StitchResult(false, null, [], $"internal error: {ex.Message}");
                }
                lock (failed)
                {
                    if (result.Succeeded)
                        warnings.AddRange(result.Warnings.Select(w => new IngestWarning(index, e.Id, w)));
                    else
                    {
                        failed.Add(e.Id);
                        rejected.Add(new RejectedEvent(index, e.Id, result.Error!));
                    }
                }
            }
        });
        if (failed.Count > 0) await ReleaseIds(failed);

        var accepted = toApply.Count - failed.Count;
        Accepted.Add(accepted);
        Duplicates.Add(duplicates);
        Rejected.Add(rejected.Count);
        return new IngestResult(accepted, duplicates, [.. rejected.OrderBy(r => r.Index)], [.. warnings.OrderBy(w => w.Index)]);
    }

    public async Task<string> SetTraits(IdentityKey identity, string traitsJson, DateTimeOffset observedAt)
    {
        var result = await coordinator.SetTraits(identity, traitsJson, observedAt);
        return result.Succeeded ? result.ProfileId! : throw new InvalidOperationException(result.Error);
    }

    public Task<string?> Unlink(IdentityKey identity) => coordinator.Unlink(identity);

    private async Task<HashSet<string>> ClaimIds(List<string> ids)
    {
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        var byShard = ids.GroupBy(EventIdShardGrain.ShardOf).ToList();
        var answers = await Task.WhenAll(byShard.Select(async shard =>
        {
            var batch = shard.ToImmutableArray();
            var isNew = await GrainFactory.GetGrain<IEventIdShardGrain>(shard.Key).TryClaim(batch);
            return batch.Where((_, i) => isNew[i]);
        }));
        foreach (var answer in answers) fresh.UnionWith(answer);
        return fresh;
    }

    private Task ReleaseIds(List<string> ids) =>
        Task.WhenAll(ids.GroupBy(EventIdShardGrain.ShardOf)
            .Select(shard => GrainFactory.GetGrain<IEventIdShardGrain>(shard.Key).Release([.. shard])));
}
