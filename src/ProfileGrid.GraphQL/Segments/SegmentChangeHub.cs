using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using ProfileGrid.Segments;

namespace ProfileGrid.GraphQL.Segments;

/// <summary>
/// The one place on a host (silo or gateway) that listens to segment membership changes: it registers
/// one listener with the cluster's <see cref="ISegmentListenerRegistryGrain"/>, to which every silo's
/// relay pushes the changes its profiles publish, and fans each change out to the GraphQL subscribers
/// on this host, so a thousand browsers cost one listener, not a thousand. Each subscriber has its
/// own bounded buffer and its own pump, so a slow one never holds up the others or the relays. The
/// hub renews its registration every <see cref="SegmentChangeHubOptions.HealthCheckInterval"/>; when
/// the registry has lost it, or renewing fails, it registers again with back-off.
/// </summary>
public sealed class SegmentChangeHub : BackgroundService
{
    /// <summary>The error code a subscriber gets when it fell <see cref="SegmentChangeHubOptions.SubscriberBufferSize"/> changes behind.</summary>
    public const string SubscriberTooSlowCode = "SUBSCRIBER_TOO_SLOW";

    /// <summary>How long stopping waits for the registry to drop the listener (an unreachable cluster must not hold up shutdown).</summary>
    private static readonly TimeSpan UnsubscribeTimeout = TimeSpan.FromSeconds(5);

    private readonly IServiceProvider _services;
    private readonly SegmentChangeHubOptions _options;
    private readonly SegmentChangeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SegmentChangeHub> _logger;
    private readonly Lock _gate = new();
    private Subscriber[] _subscribers = [];
    private TaskCompletionSource _subscribed = NewSignal();
    private TaskCompletionSource _stateChanged = NewSignal();
    private int _generation;

    public SegmentChangeHub(
        IServiceProvider services,
        IOptions<SegmentChangeHubOptions> options,
        SegmentChangeMetrics metrics,
        TimeProvider time,
        ILogger<SegmentChangeHub> logger)
    {
        _services = services;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// False when the host is not wired for segment change delivery (<c>AddProfileGridStreams</c> was
    /// not called on its silo or client builder): subscribing then fails with a clear error instead of
    /// waiting forever for changes that cannot come.
    /// </summary>
    public bool IsAvailable => _services.GetService<SegmentChangeDelivery>() is not null;

    /// <summary>Whether the hub's listener is registered right now.</summary>
    public bool IsSubscribed => _subscribed.Task.IsCompletedSuccessfully;

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>How many times the hub has registered its listener: 1 after start, one more each time the registry had lost it or renewing had failed.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Completes once the hub's listener is registered; changes published after that reach this host.</summary>
    public Task WhenSubscribed(CancellationToken cancellationToken = default) => Volatile.Read(ref _subscribed).Task.WaitAsync(cancellationToken);

    /// <summary>Completes once the hub has subscribed at least <paramref name="generation"/> times and is subscribed now.</summary>
    public async Task WaitForGeneration(int generation, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_generation >= generation && _subscribed.Task.IsCompletedSuccessfully) return;
                changed = _stateChanged.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Completes once this host has exactly <paramref name="count"/> subscribers.</summary>
    public async Task WaitForSubscribers(int count, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_subscribers.Length == count) return;
                changed = _stateChanged.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The changes of one segment (or of all when <paramref name="segmentId"/> is null), from the
    /// moment of subscribing; each profile's changes in sequence order.
    /// </summary>
    public IObservable<SegmentMembershipChange> Changes(string? segmentId) => new ChangeFeed(this, segmentId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsAvailable)
        {
            _logger.LogWarning("Segment membership subscriptions are unavailable on this host: AddProfileGridStreams was not called on its silo or client");
            return;
        }

        var grains = _services.GetRequiredService<IGrainFactory>();
        var registry = grains.GetGrain<ISegmentListenerRegistryGrain>(0);
        var listener = new Listener(this);
        var reference = grains.CreateObjectReference<ISegmentChangeListener>(listener);
        var retryDelay = _options.RetryDelay;
        var registered = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var lease = await registry.RegisterListener(reference).WaitAsync(stoppingToken);
                    if (!registered || !lease.WasKnown)
                    {
                        if (_generation > 0)
                        {
                            _metrics.Resubscribed();
                            _logger.LogWarning("Segment change listener registered again ({Reason})", registered ? "the registry had lost it" : "renewing had failed");
                        }
                        else
                        {
                            _logger.LogInformation("Segment change listener registered");
                        }

                        lock (_gate)
                        {
                            _generation++;
                            _subscribed.TrySetResult();
                            SignalStateChanged();
                        }

                        registered = true;
                    }

                    retryDelay = _options.RetryDelay;
                    await Task.Delay(_options.HealthCheckInterval, _time, stoppingToken);
                    continue;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception)
                {
                    _logger.LogWarning(exception, "Registering the segment change listener failed; retrying in {Delay}", retryDelay);
                }

                registered = false;
                lock (_gate)
                {
                    if (_subscribed.Task.IsCompleted) _subscribed = NewSignal();
                }

                try
                {
                    await Task.Delay(retryDelay, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
        finally
        {
            try
            {
                await registry.RemoveListener(reference).WaitAsync(UnsubscribeTimeout);
            }
            catch (Exception exception)
            {
                // Best effort: the registration's lease runs out by itself.
                _logger.LogDebug(exception, "Removing the segment change listener from the registry failed");
            }

            grains.DeleteObjectReference<ISegmentChangeListener>(reference);
            GC.KeepAlive(listener);
        }
    }

    /// <summary>Hands one change to every matching subscriber's buffer; never waits.</summary>
    internal void Deliver(SegmentMembershipChange change)
    {
        _metrics.Received();
        var delivered = 0;
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            if (subscriber.Accepts(change) && subscriber.Offer(change)) delivered++;
        }

        if (delivered > 0) _metrics.Delivered(delivered);
    }

    private void Add(Subscriber subscriber)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscriber];
            SignalStateChanged();
        }

        _metrics.SubscriberAdded();
    }

    private void Remove(Subscriber subscriber)
    {
        lock (_gate)
        {
            var remaining = Array.FindAll(_subscribers, s => !ReferenceEquals(s, subscriber));
            if (remaining.Length == _subscribers.Length) return;
            _subscribers = remaining;
            SignalStateChanged();
        }

        _metrics.SubscriberRemoved();
    }

    private void SignalStateChanged()
    {
        var changed = _stateChanged;
        _stateChanged = NewSignal();
        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The hub as the relays see it: a grain observer that hands each batch to the subscribers, in order.</summary>
    private sealed class Listener(SegmentChangeHub hub) : ISegmentChangeListener
    {
        public Task Deliver(ImmutableArray<SegmentMembershipChange> changes)
        {
            foreach (var change in changes) hub.Deliver(change);
            return Task.CompletedTask;
        }
    }

    private sealed class ChangeFeed(SegmentChangeHub hub, string? segmentId) : IObservable<SegmentMembershipChange>
    {
        public IDisposable Subscribe(IObserver<SegmentMembershipChange> observer)
        {
            ArgumentNullException.ThrowIfNull(observer);
            var subscriber = new Subscriber(hub, segmentId, observer, hub._options.SubscriberBufferSize);
            hub.Add(subscriber);
            subscriber.Start();
            return subscriber;
        }
    }

    /// <summary>One GraphQL subscription: its filter, its bounded buffer, and the pump that hands changes on in order.</summary>
    private sealed class Subscriber : IDisposable
    {
        private readonly SegmentChangeHub _hub;
        private readonly string? _segmentId;
        private readonly IObserver<SegmentMembershipChange> _observer;
        private readonly int _capacity;
        private readonly Channel<SegmentMembershipChange> _buffer;

        public Subscriber(SegmentChangeHub hub, string? segmentId, IObserver<SegmentMembershipChange> observer, int capacity)
        {
            _hub = hub;
            _segmentId = segmentId;
            _observer = observer;
            _capacity = capacity;
            _buffer = Channel.CreateBounded<SegmentMembershipChange>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                SingleWriter = false,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }

        public bool Accepts(SegmentMembershipChange change) => _segmentId is null || string.Equals(_segmentId, change.SegmentId, StringComparison.Ordinal);

        /// <summary>Buffers a change without ever waiting; a full buffer ends this subscriber with an error.</summary>
        public bool Offer(SegmentMembershipChange change)
        {
            if (_buffer.Writer.TryWrite(change)) return true;
            if (_buffer.Writer.TryComplete(new SubscriberTooSlowException(_capacity)))
            {
                _hub._metrics.SubscriberTooSlow();
                _hub._logger.LogWarning(
                    "A segmentMembershipChanged subscriber fell {Capacity} changes behind, the limit ({Section}:{Key}); ending it with {Code}",
                    _capacity,
                    SegmentChangeHubOptions.Section,
                    nameof(SegmentChangeHubOptions.SubscriberBufferSize),
                    SubscriberTooSlowCode);
                _hub.Remove(this);
            }

            return false;
        }

        public void Start() => _ = Task.Run(PumpAsync);

        public void Dispose()
        {
            _hub.Remove(this);
            _buffer.Writer.TryComplete();
        }

        private async Task PumpAsync()
        {
            try
            {
                await foreach (var change in _buffer.Reader.ReadAllAsync())
                {
                    _observer.OnNext(change);
                }
            }
            catch (SubscriberTooSlowException tooSlow)
            {
                _observer.OnError(new ExecutionError(tooSlow.Message) { Code = SubscriberTooSlowCode });
            }
            catch (Exception exception)
            {
                _hub._logger.LogError(exception, "Handing a segment membership change to a subscriber failed");
                _hub.Remove(this);
                _observer.OnError(exception);
            }
        }
    }

    private sealed class SubscriberTooSlowException(int capacity)
        : Exception($"this subscription fell {capacity} segment membership changes behind, the limit ({SegmentChangeHubOptions.Section}:{nameof(SegmentChangeHubOptions.SubscriberBufferSize)}); subscribe again and reconcile by sequence");
}
