using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProfileGrid.Ingestion;

namespace ProfileGrid.Storage;

/// <summary>Settings of the recovery pass (<c>ProfileGrid:Recovery:*</c>).</summary>
public sealed class EventRecoveryOptions
{
    public const string Section = "ProfileGrid:Recovery";

    /// <summary>How often each silo looks for stored events whose profile was never written. Default 30 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Events younger than this are left to the silo that is applying them right now. Default 30 s.
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Events read and applied per round. Default 1,000.</summary>
    public int BatchSize { get; set; } = 1_000;
}

/// <summary>What one recovery pass did.</summary>
public sealed record RecoveryReport(int Applied, int Failed);

/// <summary>
/// Applies the events the log holds but no profile was confirmed for: those whose silo was killed
/// between storing and applying them (the caller got an error, or never retried), and those whose
/// stitching failed. Applying is idempotent, so racing a live writer or another silo's pass is harmless.
/// </summary>
public sealed class EventRecovery(
    PostgresEventJournal journal,
    EventApplier applier,
    IOptions<EventRecoveryOptions> options,
    TimeProvider time,
    ILogger<EventRecovery> logger)
{
    /// <summary>Applies the unconfirmed events older than the grace period.</summary>
    public Task<RecoveryReport> RecoverAsync(CancellationToken cancellationToken = default) =>
        RecoverAsync(time.GetUtcNow() - options.Value.GracePeriod, cancellationToken);

    /// <summary>Applies the unconfirmed events stored before <paramref name="receivedBefore"/>.</summary>
    public async Task<RecoveryReport> RecoverAsync(DateTimeOffset receivedBefore, CancellationToken cancellationToken = default)
    {
        int applied = 0, failed = 0;
        var batchSize = Math.Max(1, options.Value.BatchSize);
        while (!cancellationToken.IsCancellationRequested)
        {
            var pending = await journal.Log.ReadUnappliedAsync(receivedBefore, batchSize, cancellationToken);
            if (pending.Count == 0) break;
            var report = await applier.Apply([.. pending.Select((stored, i) => (i, EventLogMapping.FromLog(stored)))]);
            // Confirmed before the next read, so that read moves on to other events.
            await journal.Log.MarkAppliedAsync(report.Applied, cancellationToken);
            applied += report.Applied.Count;
            failed += report.Failed.Count;
            foreach (var f in report.Failed) logger.LogWarning("Recovery could not apply event {EventId}: {Reason}", f.EventId, f.Reason);
            if (report.Applied.Count == 0 || pending.Count < batchSize) break;
        }
        if (applied + failed > 0)
            logger.LogInformation("Recovery applied {Applied} stored events whose profiles had not been written ({Failed} failed, retried next pass)", applied, failed);
        return new RecoveryReport(applied, failed);
    }
}

/// <summary>Runs <see cref="EventRecovery"/> every <see cref="EventRecoveryOptions.Interval"/> on each silo.</summary>
public sealed class EventRecoveryService(EventRecovery recovery, IOptions<EventRecoveryOptions> options, TimeProvider time, ILogger<EventRecoveryService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await recovery.RecoverAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Recovery pass failed; trying again in {Interval}", options.Value.Interval);
            }
        }
    }
}
