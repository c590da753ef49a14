using ProfileGrid.Demo;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.Identity;

namespace ProfileGrid.Silo.Extensions;

/// <summary>Loads the Luma demo story through the same door as any caller: the ingestion API.</summary>
public sealed class DemoLoader(ProfileGridGateway gateway, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<DemoLoader> logger)
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
        logger.LogInformation("Luma demo loaded: {Accepted} events accepted, {Duplicates} duplicates (already loaded), {Rejected} rejected, {Traits} trait updates",
            accepted, duplicates, rejected, data.Traits.Count);
    }
}
