using System.Threading.Channels;
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
            var report = await applier.Apply([.. pending.Select((stored, i) => new EventToApply(i, EventLogMapping.FromLog(stored)))], writeThrough: true);
            // Confirmed before the next read, so that read moves on to other events.
            // An event found on its profile already was held there unwritten; the write-through wrote it.
            string[] written = [.. report.Applied, .. report.AlreadyApplied];
            await journal.Log.MarkAppliedAsync(written, cancellationToken);
            applied += written.Length;
            failed += report.Failed.Count;
            foreach (var f in report.Failed) logger.LogWarning("Recovery could not apply event {EventId}: {Reason}", f.EventId, f.Reason);
            if (written.Length == 0 || pending.Count < batchSize) break;
        }
        if (applied + failed > 0)
            logger.LogInformation("Recovery applied {Applied} stored events whose profiles had not been written ({Failed} failed, retried next pass)", applied, failed);
        return new RecoveryReport(applied, failed);
    }
}

/// <summary>
/// Runs <see cref="EventRecovery"/> on each silo: every <see cref="EventRecoveryOptions.Interval"/> for the
/// events older than the grace period, and at once, for every unconfirmed event, when a silo is declared
/// dead (by the first live silo only): a dead silo's profiles lose what they had not written yet
/// (<c>ProfileGrid:Profiles:StateWriteDelay</c>), and this brings it back within seconds. Re-applying an
/// event that a live silo holds unwritten is a no-op there.
/// </summary>
public sealed class EventRecoveryService(
    EventRecovery recovery,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IOptions<EventRecoveryOptions> options,
    TimeProvider time,
    ILogger<EventRecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // true: every unconfirmed event (a silo died); false: those older than the grace period.
        var passes = Channel.CreateUnbounded<bool>(new UnboundedChannelOptions { SingleReader = true });
        var ticking = Tick(passes.Writer, stoppingToken);
        var watching = WatchForDeadSilos(passes.Writer, stoppingToken);
        try
        {
            await foreach (var everything in passes.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    if (everything) await recovery.RecoverAsync(time.GetUtcNow(), stoppingToken);
                    else await recovery.RecoverAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Recovery pass failed; trying again in {Interval}", options.Value.Interval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(ticking, watching);
    }

    private async Task Tick(ChannelWriter<bool> passes, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) passes.TryWrite(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WatchForDeadSilos(ChannelWriter<bool> passes, CancellationToken stoppingToken)
    {
        await foreach (var (newlyDead, snapshot) in SiloDeaths.Watch(membership, stoppingToken))
        {
            var first = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).Order().FirstOrDefault();
            if (!silo.SiloAddress.Equals(first)) continue;
            logger.LogInformation("Silo(s) {Silos} declared dead: applying every stored event not yet confirmed", string.Join(", ", newlyDead));
            passes.TryWrite(true);
        }
    }
}
