using ProfileGrid.Demo;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.GraphQL.Segments;
using ProfileGrid.Identity;

namespace ProfileGrid.Silo.Extensions;

/// <summary>
/// Loads the Luma demo story through the same doors as any caller: the ingestion API, then the demo
/// segments (<see cref="LumaSegments"/>), each defined only when no segment has its id yet, so an
/// operator's change to one survives a restart.
/// </summary>
public sealed class DemoLoader(ProfileGridGateway gateway, SegmentGateway segments, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<DemoLoader> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var _ = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);

        var data = LumaDemo.Generate(time.GetUtcNow());
        int accepted = 0, duplicates = 0, rejected = 0;
        foreach (var batch in data.Events.Chunk(500))
        {
            var result = await gateway.Ingest([.. batch]);
            accepted += result.Accepted;
            duplicates += result.Duplicates;
            rejected += result.Rejected.Length;
            foreach (var r in result.Rejected) logger.LogWarning("Demo event {EventId} rejected: {Reason}", r.EventId, r.Reason);
        }
        foreach (var traits in data.Traits)
        {
            var identity = gateway.Rules.Normalize(traits.Namespace, traits.Id);
            await gateway.SetTraits(identity, traits.TraitsJson, traits.ObservedAt);
        }
        var defined = 0;
        foreach (var segment in LumaSegments.All)
        {
            if (await segments.Get(segment.Id) is not null) continue;
            var result = await segments.Define(segment.Id, segment.Name, segment.Expression);
            if (result.Succeeded) defined++;
            else logger.LogWarning("Demo segment {Segment} not defined: {Problems}", segment.Id, string.Join("; ", result.Problems.Select(p => p.Message)));
        }
        logger.LogInformation("Luma demo loaded: {Accepted} events accepted, {Duplicates} duplicates (already loaded), {Rejected} rejected, {Traits} trait updates, {Segments} segments defined",
            accepted, duplicates, rejected, data.Traits.Count, defined);
    }
}
