using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace ProfileGrid.Segments;

/// <summary>
/// A silo's publisher of segment membership changes: it pushes them straight to every listening host
/// (<see cref="ISegmentChangeListener"/>), with no queue grain and no polling between. Publishing only
/// queues the changes, so a profile grain never waits for a host; each host has its own queue and its
/// own sender, which sends whatever has queued up as one batch and waits for it before the next, so
/// changes reach a host in the order this silo published them and a slow or dead host holds up no
/// other. The listeners come from <see cref="ISegmentListenerRegistryGrain"/>, which tells this relay
/// when they change; the relay registers at silo start and renews every
/// <see cref="SegmentListenerRegistryGrain.RelayRenewal"/>.
/// </summary>
public sealed class SegmentChangeRelay(
    IGrainFactory grains,
    TimeProvider time,
    ILogger<SegmentChangeRelay> logger) : ISegmentChangePublisher, ISegmentChangeRelay, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Changes sent to one host in one call, at most.</summary>
    public const int MaxBatch = 500;

    /// <summary>Changes queued for one host that has not taken them; beyond it new changes for that host are dropped and counted.</summary>
    public const int MaxQueued = 100_000;

    /// <summary>How soon a relay that could not register at start tries again.</summary>
    public static readonly TimeSpan UnregisteredRetry = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one delivery call may take before the host counts as unreachable.</summary>
    public static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(10);

    private static readonly Meter Meter = new("ProfileGrid.Segments");
    private static readonly Counter<long> DroppedCounter = Meter.CreateCounter<long>(
        "profilegrid.segments.changes_dropped", description: "Membership changes a silo could not hand to a listening host (unreachable, or too far behind).");

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<ISegmentChangeListener, Pipe> _pipes = [];
    private long _version = -1;
    private Guid _epoch;
    private ISegmentChangeRelay? _self;
    private Task _renewing = Task.CompletedTask;
    private bool _registered;

    private ISegmentListenerRegistryGrain Registry => grains.GetGrain<ISegmentListenerRegistryGrain>(0);

    public Task Publish(IReadOnlyList<SegmentMembershipChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0) return Task.CompletedTask;
        foreach (var pipe in Volatile.Read(ref _pipes).Values) pipe.Enqueue(changes);
        return Task.CompletedTask;
    }

    public Task ListenersChanged(SegmentListenerSnapshot snapshot)
    {
        Apply(snapshot);
        return Task.CompletedTask;
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SegmentChangeRelay), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _self = grains.CreateObjectReference<ISegmentChangeRelay>(this);
        _registered = await TryRegister(cancellationToken);
        _renewing = RenewAsync(_stopping.Token);
    }

    /// <summary>Registers (or renews) this relay and takes the listeners it is given; false when the registry could not be reached.</summary>
    private async Task<bool> TryRegister(CancellationToken cancellationToken)
    {
        try
        {
            Apply(await Registry.RegisterRelay(_self!).WaitAsync(cancellationToken));
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "Registering this silo's segment change relay with the registry failed; trying again");
            return false;
        }
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _renewing;
        if (_self is not null)
        {
            try
            {
                await Registry.RemoveRelay(_self).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (Exception exception)
            {
                logger.LogDebug(exception, "Removing this silo's segment change relay from the registry failed; its lease runs out");
            }

            grains.DeleteObjectReference<ISegmentChangeRelay>(_self);
        }

        // What is queued goes out before the silo leaves, within the stop's time.
        Dictionary<ISegmentChangeListener, Pipe> pipes;
        lock (_gate)
        {
            pipes = _pipes;
            _pipes = [];
        }

        foreach (var pipe in pipes.Values) pipe.Complete();
        try
        {
            await Task.WhenAll(pipes.Values.Select(p => p.Sending)).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            logger.LogDebug("Segment changes still queued for a listening host when the silo stopped were not all sent");
        }
    }

    /// <summary>Renews every <see cref="SegmentListenerRegistryGrain.RelayRenewal"/>; until the first registration succeeds, every <see cref="UnregisteredRetry"/>, since changes published meanwhile reach nobody.</summary>
    private async Task RenewAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_registered ? SegmentListenerRegistryGrain.RelayRenewal : UnregisteredRetry, time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                _registered = await TryRegister(stopping) || _registered;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Starts a pipe for every new listener and ends the pipes of listeners that left; older snapshots of the same registry activation are ignored.</summary>
    private void Apply(SegmentListenerSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested || (snapshot.Epoch == _epoch && snapshot.Version <= _version)) return;
            _epoch = snapshot.Epoch;
            _version = snapshot.Version;
            var next = new Dictionary<ISegmentChangeListener, Pipe>();
            foreach (var listener in snapshot.Listeners)
            {
                next[listener] = _pipes.TryGetValue(listener, out var pipe) ? pipe : new Pipe(listener, logger);
            }

            foreach (var (listener, pipe) in _pipes)
            {
                if (!next.ContainsKey(listener)) pipe.Complete();
            }

            Volatile.Write(ref _pipes, next);
        }
    }

    /// <summary>One listening host: its queue and the sender that empties it in order.</summary>
    private sealed class Pipe
    {
        private readonly ISegmentChangeListener _listener;
        private readonly ILogger _logger;
        private readonly Channel<SegmentMembershipChange> _queue = Channel.CreateBounded<SegmentMembershipChange>(
            new BoundedChannelOptions(MaxQueued) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });

        public Pipe(ISegmentChangeListener listener, ILogger logger)
        {
            _listener = listener;
            _logger = logger;
            Sending = Task.Run(SendAsync);
        }

        public Task Sending { get; }

        public void Enqueue(IReadOnlyList<SegmentMembershipChange> changes)
        {
            var dropped = 0;
            foreach (var change in changes)
            {
                if (!_queue.Writer.TryWrite(change)) dropped++;
            }

            if (dropped > 0) DroppedCounter.Add(dropped);
        }

        public void Complete() => _queue.Writer.TryComplete();

        private async Task SendAsync()
        {
            var batch = ImmutableArray.CreateBuilder<SegmentMembershipChange>(MaxBatch);
            var failures = 0;
            while (await _queue.Reader.WaitToReadAsync())
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var change)) batch.Add(change);
                try
                {
                    await _listener.Deliver(batch.ToImmutable()).WaitAsync(DeliveryTimeout);
                    if (failures > 0) _logger.LogInformation("Segment change listener {Listener} reachable again after {Failures} failed deliveries", _listener, failures);
                    failures = 0;
                }
                catch (Exception exception)
                {
                    // The host is gone or unreachable: these changes are lost for it (subscribers reconcile by
                    // sequence); wait before the next try so a dead host costs little until its lease runs out.
                    DroppedCounter.Add(batch.Count);
                    if (failures++ == 0) _logger.LogWarning(exception, "Delivering {Count} segment change(s) to listener {Listener} failed", batch.Count, _listener);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 << Math.Min(failures, 6))));
                }

                batch.Clear();
            }
        }
    }
}
