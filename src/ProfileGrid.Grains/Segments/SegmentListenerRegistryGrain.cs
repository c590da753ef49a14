namespace ProfileGrid.Segments;

[GenerateSerializer]
public sealed class SegmentListenerRegistryState
{
    /// <summary>The listening hosts. Stored only when the set changes; renewals stay in memory.</summary>
    [Id(0)] public List<ISegmentChangeListener> Listeners { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>
/// Who listens for segment membership changes and which silos relay them (see
/// <see cref="ISegmentListenerRegistryGrain"/>). Listeners are stored so a registry that comes back on
/// another silo still knows them; relays re-register within <see cref="RelayRenewal"/> anyway, so they
/// are kept in memory only. Leases are renewed in memory and start afresh on activation.
/// </summary>
public sealed class SegmentListenerRegistryGrain(
    [PersistentState("segment-listeners", ProfileGridStorage.Name)] IPersistentState<SegmentListenerRegistryState> state,
    TimeProvider time,
    ILogger<SegmentListenerRegistryGrain> logger) : Grain, ISegmentListenerRegistryGrain
{
    /// <summary>How long a registration lasts unless renewed (hosts renew every few seconds).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    /// <summary>How often a silo's relay renews its registration and re-reads the listeners.</summary>
    public static readonly TimeSpan RelayRenewal = TimeSpan.FromSeconds(10);

    /// <summary>How long telling one relay about new listeners may take before the registry moves on.</summary>
    private static readonly TimeSpan NotifyTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A relay that could not be told is told again (the latest listeners) after 1 s, 2 s, then 3 s: until it
    /// knows a new listener, the changes on its silo do not reach that host. Past the last, its own renewal reads them.
    /// </summary>
    public static readonly TimeSpan NotifyRetryDelay = TimeSpan.FromSeconds(1);
    private const int NotifyRetries = 3;

    private readonly Dictionary<ISegmentChangeListener, DateTimeOffset> _listenerExpiry = [];
    private readonly Dictionary<ISegmentChangeRelay, DateTimeOffset> _relayExpiry = [];
    private readonly Guid _epoch = Guid.NewGuid();

    private SegmentListenerRegistryState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var expires = time.GetUtcNow() + Lease;
        foreach (var listener in S.Listeners) _listenerExpiry[listener] = expires;
        return Task.CompletedTask;
    }

    public async Task<SegmentListenerLease> RegisterListener(ISegmentChangeListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var known = _listenerExpiry.ContainsKey(listener);
        _listenerExpiry[listener] = time.GetUtcNow() + Lease;
        var changed = !known | DropExpired();
        if (changed)
        {
            await Publish();
            if (!known) logger.LogInformation("Segment change listener {Listener} registered; {Count} listening", listener, _listenerExpiry.Count);
        }

        return new SegmentListenerLease(known, Lease);
    }

    public async Task RemoveListener(ISegmentChangeListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (_listenerExpiry.Remove(listener) | DropExpired()) await Publish();
    }

    public async Task<SegmentListenerSnapshot> RegisterRelay(ISegmentChangeRelay relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        _relayExpiry[relay] = time.GetUtcNow() + Lease;
        if (DropExpired()) await Publish();
        return Snapshot();
    }

    public Task RemoveRelay(ISegmentChangeRelay relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        _relayExpiry.Remove(relay);
        return Task.CompletedTask;
    }

    public Task<SegmentListenerSnapshot> Listeners() => Task.FromResult(Snapshot());

    private SegmentListenerSnapshot Snapshot() => new(S.Version, [.. _listenerExpiry.Keys], _epoch);

    /// <summary>Drops every registration whose lease ran out; true when a listener went.</summary>
    private bool DropExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (relay, expires) in _relayExpiry.ToList())
        {
            if (expires < now) _relayExpiry.Remove(relay);
        }

        var dropped = false;
        foreach (var (listener, expires) in _listenerExpiry.ToList())
        {
            if (expires >= now) continue;
            _listenerExpiry.Remove(listener);
            logger.LogInformation("Segment change listener {Listener} dropped: not renewed within {Lease}", listener, Lease);
            dropped = true;
        }

        return dropped;
    }

    /// <summary>Stores the new set of listeners and tells every relay, waiting a bounded time for each.</summary>
    private async Task Publish()
    {
        S.Version++;
        S.Listeners = [.. _listenerExpiry.Keys];
        await state.WriteStateAsync();
        var snapshot = Snapshot();
        await Task.WhenAll(_relayExpiry.Keys.ToList().Select(relay => Notify(relay, snapshot)));
    }

    private async Task Notify(ISegmentChangeRelay relay, SegmentListenerSnapshot snapshot, int attempt = 0)
    {
        try
        {
            await relay.ListenersChanged(snapshot).WaitAsync(NotifyTimeout);
        }
        catch (Exception exception)
        {
            // A relay on a silo that is gone stops being retried when its lease runs out; a live one that
            // missed this is told again shortly, and re-reads at its next renewal in any case.
            logger.LogDebug(exception, "Telling relay {Relay} about listeners version {Version} failed (attempt {Attempt})", relay, snapshot.Version, attempt + 1);
            if (attempt < NotifyRetries) NotifyLater(relay, attempt + 1);
        }
    }

    private void NotifyLater(ISegmentChangeRelay relay, int attempt)
    {
        IGrainTimer? timer = null;
        timer = this.RegisterGrainTimer(async () =>
        {
            timer?.Dispose();
            if (_relayExpiry.TryGetValue(relay, out var expires) && expires >= time.GetUtcNow()) await Notify(relay, Snapshot(), attempt);
        }, new GrainTimerCreationOptions { DueTime = NotifyRetryDelay * attempt, Period = Timeout.InfiniteTimeSpan });
    }
}
