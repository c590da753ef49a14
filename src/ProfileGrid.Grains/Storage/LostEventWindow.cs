using Microsoft.Extensions.Hosting;
using ProfileGrid.Storage.Postgres.EventLog;
using ProfileGrid.Storage.Postgres.Membership;

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
/// after the recovery pass; while it is closed, an activation on a silo with live peers costs one read of the
/// membership table's version, shared with every activation waiting at the same time (a silo alone costs nothing).
/// </summary>
/// <remarks>
/// Membership is read when the window is asked, not when its notification arrives. This silo's view may still lag
/// the one that let the profile activate here: another silo's directory dropped the dead silo's activation as soon
/// as it saw the death, and the caller placed the profile on this silo, which has not seen it yet. So a profile
/// activating while the window looks closed asks through <see cref="HorizonForActivationAsync"/>, which first brings
/// this view up to the membership table's version (the death is in the table before any silo acts on it).
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
    private readonly PostgresMembershipVersion? _tableVersion;
    /// <summary>One read of the table's version at a time; each serves every activation that asked before it began.</summary>
    private readonly SemaphoreSlim _catchingUp = new(1, 1);
    private long _asked;
    private long _answered;

    /// <param name="membership">This silo's membership view; without it (tests) the window opens only when told.</param>
    /// <param name="tableVersion">
    /// The membership table's version, which an activation's view is brought up to; without it the view is taken as it is.
    /// </param>
    public LostEventWindow(PostgresEventLog log, TimeProvider time, IClusterMembershipService? membership = null, PostgresMembershipVersion? tableVersion = null)
    {
        _log = log;
        _time = time;
        _membership = membership;
        _tableVersion = tableVersion;
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

    /// <summary>How long an activation waits for this silo's view to reach the table's version before reading the log anyway.</summary>
    public static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The horizon for a profile activating now: <see cref="Horizon"/>, once this silo's membership view is at least as
    /// new as the membership table was when asked, so that a death another silo has acted on (by letting the profile
    /// activate here) is seen here too. Concurrent activations share one read of the table's version. When the table
    /// cannot be read, or the view does not catch up within <see cref="CatchUpTimeout"/>, the answer is now: the
    /// activation reads the log as if a silo had just died.
    /// </summary>
    public async ValueTask<DateTimeOffset?> HorizonForActivationAsync(CancellationToken cancellationToken = default)
    {
        if (Horizon is { } open) return open;
        if (_membership is null || _tableVersion is null || !OthersLive(_membership.CurrentSnapshot)) return null;
        try
        {
            await CatchUpWithTableAsync(_membership, _tableVersion, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return _time.GetUtcNow();
        }
        return Horizon;
    }

    /// <summary>
    /// Whether the view holds a live silo besides this one. A silo alone in its view owns the whole grain directory there,
    /// so no other silo's directory can have placed a profile on it; it reads nothing.
    /// </summary>
    private static bool OthersLive(ClusterMembershipSnapshot snapshot)
    {
        var live = 0;
        foreach (var member in snapshot.Members.Values)
            if (member.Status != SiloStatus.Dead && ++live > 1) return true;
        return false;
    }

    private async Task CatchUpWithTableAsync(IClusterMembershipService membership, PostgresMembershipVersion table, CancellationToken cancellationToken)
    {
        var ticket = Interlocked.Increment(ref _asked);
        await _catchingUp.WaitAsync(cancellationToken);
        try
        {
            // A read that began after this activation asked has answered it already.
            if (Volatile.Read(ref _answered) >= ticket) return;
            var covered = Volatile.Read(ref _asked);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CatchUpTimeout);
            if (await table.ReadAsync(timeout.Token) is { } version && version > membership.CurrentSnapshot.Version.Value)
                await membership.Refresh(new MembershipVersion(version), timeout.Token);
            Volatile.Write(ref _answered, covered);
        }
        finally
        {
            _catchingUp.Release();
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
