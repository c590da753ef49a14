using Microsoft.Extensions.Hosting;
using ProfileGrid.Storage.Postgres.EventLog;

namespace ProfileGrid.Storage;

/// <summary>
/// Whether acknowledged events may be missing from their stored profiles: a profile holds the events of its
/// write delay in memory (<c>ProfileGrid:Profiles:StateWriteDelay</c>), so a silo that dies takes them with it,
/// and the log keeps them unconfirmed until the recovery pass applies them again. The window opens when this
/// silo starts (silos may have died before) and when its membership view declares a silo dead, each time with
/// that moment as its horizon; it closes once no event stored before the horizon awaits confirmation (or after
/// <see cref="LongestOpen"/>). While it
/// is open, a profile that activates takes its own unconfirmed events back from the log
/// (<see cref="PostgresEventJournal.LostEventsOf"/>), so a lookup shows an acknowledged event at once rather than
/// after the recovery pass; while it is closed, activating costs nothing more.
/// </summary>
/// <remarks>
/// Membership is read when the window is asked, not when its notification arrives: the grain directory drops a
/// dead silo's activations on the same view, so a profile re-activated because of a death always finds the
/// window opened by it.
/// </remarks>
public sealed class LostEventWindow
{
    private readonly PostgresEventLog _log;
    private readonly TimeProvider _time;
    private readonly IClusterMembershipService? _membership;
    private readonly Lock _gate = new();
    private DateTimeOffset? _horizon;
    private MembershipVersion _seen;
    private readonly HashSet<SiloAddress> _dead = [];

    /// <param name="membership">This silo's membership view; without it (tests) the window opens only when told.</param>
    public LostEventWindow(PostgresEventLog log, TimeProvider time, IClusterMembershipService? membership = null)
    {
        _log = log;
        _time = time;
        _membership = membership;
        _horizon = time.GetUtcNow();
        if (membership?.CurrentSnapshot is { } snapshot)
        {
            // Dead before this silo started: covered by the horizon just set.
            _dead.UnionWith(SiloDeaths.All(snapshot));
            _seen = snapshot.Version;
        }
    }

    /// <summary>
    /// The window closes this long after its horizon even with events still unconfirmed: the recovery pass has retried
    /// them many times by then, and an event that keeps failing must not make every activation read the log for ever.
    /// </summary>
    public static readonly TimeSpan LongestOpen = TimeSpan.FromMinutes(10);

    /// <summary>Events stored before this moment may have been lost with their silo; null when the window is closed.</summary>
    public DateTimeOffset? Horizon
    {
        get
        {
            lock (_gate)
            {
                SeeDeaths();
                return _horizon;
            }
        }
    }

    /// <summary>A silo was declared dead now: what was stored before may be missing from its profiles.</summary>
    public void Open() => Open(_time.GetUtcNow());

    /// <summary>Opens the window, or moves its horizon on to <paramref name="horizon"/> when that is later.</summary>
    public void Open(DateTimeOffset horizon)
    {
        lock (_gate) OpenLocked(horizon);
    }

    /// <summary>
    /// Closes the window when no event stored before its horizon awaits confirmation any more, or when the horizon is
    /// <see cref="LongestOpen"/> old; true when it is closed afterwards. Not closed when it was opened again meanwhile.
    /// </summary>
    public async Task<bool> TryCloseAsync(CancellationToken cancellationToken = default)
    {
        var horizon = Horizon;
        if (horizon is null) return true;
        if (_time.GetUtcNow() - horizon.Value < LongestOpen && await _log.AnyUnappliedAsync(horizon.Value, cancellationToken)) return false;
        lock (_gate)
        {
            SeeDeaths();
            if (_horizon != horizon) return false;
            _horizon = null;
            return true;
        }
    }

    private void OpenLocked(DateTimeOffset horizon)
    {
        if (_horizon is null || horizon > _horizon) _horizon = horizon;
    }

    private void SeeDeaths()
    {
        if (_membership?.CurrentSnapshot is not { } snapshot || snapshot.Version == _seen) return;
        _seen = snapshot.Version;
        if (SiloDeaths.Newly(snapshot, _dead).Count > 0) OpenLocked(_time.GetUtcNow());
    }
}

/// <summary>
/// Closes each silo's <see cref="LostEventWindow"/>: while it is open, asks the log every <see cref="CheckInterval"/>
/// whether anything stored before its horizon is still unconfirmed.
/// </summary>
public sealed class LostEventWindowService(LostEventWindow window, TimeProvider time, ILogger<LostEventWindowService> logger) : BackgroundService
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        DateTimeOffset? reported = null;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (window.Horizon is not { } horizon) continue;
                if (horizon != reported)
                {
                    logger.LogInformation("Events stored before {Horizon} may be missing from their profiles (a silo died or this one started): profiles activating here take theirs back from the log", horizon);
                    reported = horizon;
                }
                try
                {
                    if (await window.TryCloseAsync(stoppingToken))
                        logger.LogInformation("Every event stored before {Horizon} is confirmed on its profile", horizon);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Could not ask the event log for unconfirmed events; asking again in {Interval}", CheckInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
