using Microsoft.Extensions.DependencyInjection;
using Orleans.Core;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Orleans.TestingHost;
using ProfileGrid.Cluster.Tests.Segments;
using ProfileGrid.Storage;

namespace ProfileGrid.Cluster.Tests.Storage;

/// <summary>
/// Grain state goes to its storage provider directly: an operation the provider completes at once completes at once
/// (no forced turn on the scheduler), operations of one state run one after another in the order asked, a
/// conflict reaches the grain as the provider's exception with nothing stored harmed, and activation reads the state.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DirectPersistentStateTests(ClusterFixture fixture)
{
    private readonly IServiceProvider _silo = fixture.Cluster.GetActiveSilos().OfType<InProcessSiloHandle>().First().SiloHost.Services;

    private DirectPersistentState<ProfileState> State(IGrainStorage storage, string id, out FakeGrainContext context, string name = "profile")
    {
        context = new FakeGrainContext(GrainId.Create("profile", id), _silo);
        return new DirectPersistentState<ProfileState>(name, context, storage, _silo.GetRequiredService<IActivatorProvider>().GetActivator<ProfileState>());
    }

    private InProcessGrainStorage Storage() => new(Guid.NewGuid().ToString("N"), _silo.GetRequiredService<Serializer>());

    [Fact]
    public async Task The_silo_gives_its_grains_this_state()
    {
        Assert.IsType<DirectPersistentStateFactory>(_silo.GetRequiredService<IPersistentStateFactory>());
        // And a grid grain with state works on it: an event is stored and read back.
        var id = Guid.NewGuid().ToString("N");
        await fixture.Grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", id)));
        Assert.NotNull(await fixture.Grains.ProfileOf("ecid", id));
    }

    [Fact]
    public async Task A_write_the_storage_completes_at_once_completes_at_once_and_is_stored()
    {
        var storage = Storage();
        var state = State(storage, "direct-1", out _);
        await state.ReadStateAsync();
        Assert.False(state.RecordExists);
        state.State.EventsDropped = 7;

        var (write, completedAtOnce) = OnHeldScheduler(state.WriteStateAsync);

        Assert.True(completedAtOnce, "the write waited for another turn although the storage had finished");
        await write;
        Assert.NotNull(state.Etag);
        var read = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", GrainId.Create("profile", "direct-1"), read);
        Assert.True(read.RecordExists);
        Assert.Equal(7, read.State!.EventsDropped);
        Assert.Equal(state.Etag, read.ETag);
    }

    [Fact]
    public async Task Activation_reads_the_state_and_whether_it_exists_is_known_only_once_read()
    {
        var storage = Storage();
        var writer = State(storage, "direct-2", out _);
        await writer.ReadStateAsync();
        writer.State.EventsDropped = 3;
        await writer.WriteStateAsync();

        var state = State(storage, "direct-2", out var context);
        var error = Assert.Throws<InvalidOperationException>(() => state.RecordExists);
        Assert.Contains("not been read", error.Message);
        var (stage, observer) = Assert.Single(context.Observers);
        Assert.Equal(GrainLifecycleStage.SetupState, stage);

        await observer.OnStart(CancellationToken.None);

        Assert.True(state.RecordExists);
        Assert.Equal(3, state.State.EventsDropped);
        Assert.Equal(writer.Etag, state.Etag);
    }

    [Fact]
    public async Task A_stale_write_fails_with_the_storage_conflict_and_leaves_the_stored_state_alone()
    {
        var storage = Storage();
        var first = State(storage, "direct-3", out _);
        var second = State(storage, "direct-3", out _);
        await first.ReadStateAsync();
        await second.ReadStateAsync();
        first.State.EventsDropped = 1;
        await first.WriteStateAsync();

        second.State.EventsDropped = 2;
        await Assert.ThrowsAsync<InconsistentStateException>(() => second.WriteStateAsync());

        var read = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", GrainId.Create("profile", "direct-3"), read);
        Assert.Equal(1, read.State!.EventsDropped);
        // Read back, the loser writes on top of the winner.
        await second.ReadStateAsync();
        second.State.EventsDropped = 2;
        await second.WriteStateAsync();
        await storage.ReadStateAsync("profile", GrainId.Create("profile", "direct-3"), read);
        Assert.Equal(2, read.State.EventsDropped);
    }

    [Fact]
    public async Task Each_operation_is_measured_with_its_state_and_how_it_ended()
    {
        // A state name of its own: the cluster's grains in this process report to the same instrument.
        var name = $"metrics-{Guid.NewGuid():N}";
        var measured = new System.Collections.Concurrent.ConcurrentQueue<(string? Operation, string? Outcome, double Milliseconds)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GrainStateMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var tagged = new Dictionary<string, object?>();
            foreach (var tag in tags) tagged[tag.Key] = tag.Value;
            if (tagged.GetValueOrDefault("state") as string == name)
                measured.Enqueue((tagged.GetValueOrDefault("operation") as string, tagged.GetValueOrDefault("outcome") as string, value));
        });
        listener.Start();

        var storage = Storage();
        var first = State(storage, "direct-metrics", out _, name);
        var second = State(storage, "direct-metrics", out _, name);
        await first.ReadStateAsync();
        await second.ReadStateAsync();
        await first.WriteStateAsync();
        await Assert.ThrowsAsync<InconsistentStateException>(() => second.WriteStateAsync());
        var down = new GatedStorage();
        var clear = State(down, "direct-metrics", out _, name).ClearStateAsync();
        down.Finish("clear", new InvalidOperationException("storage down"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => clear);

        Assert.Equal(
            [("Read", "ok"), ("Read", "ok"), ("Write", "ok"), ("Write", "conflict"), ("Clear", "error")],
            measured.Select(m => (m.Operation, m.Outcome)));
        Assert.All(measured, m => Assert.InRange(m.Milliseconds, 0, 60_000));
    }

    [Fact]
    public async Task Operations_run_one_after_another_in_the_order_asked_also_after_one_fails()
    {
        var storage = new GatedStorage();
        var state = State(storage, "direct-4", out _);

        var read = state.ReadStateAsync();
        var write = state.WriteStateAsync();
        var clear = state.ClearStateAsync();

        // The write waits for the read still running, the clear for the write.
        Assert.Equal(["read"], storage.Started);
        storage.Finish("read", new InvalidOperationException("storage down"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => read);
        Assert.Equal(["read", "write"], storage.Started);
        Assert.False(clear.IsCompleted);
        storage.Finish("write");
        await write;
        Assert.Equal(["read", "write", "clear"], storage.Started);
        storage.Finish("clear");
        await clear;
    }

    [Fact]
    public async Task An_activation_whose_key_its_caller_minted_starts_empty_without_asking_storage()
    {
        var storage = new GatedStorage();
        var state = State(storage, "direct-minted", out var context);
        var (_, observer) = Assert.Single(context.Observers);

        using (NewGrain.Minted(context.GrainId))
            await observer.OnStart(CancellationToken.None);

        Assert.Empty(storage.Started);
        Assert.False(state.RecordExists);
        Assert.Null(state.Etag);
    }

    [Fact]
    public async Task Another_grain_s_minted_key_or_none_reads_as_usual()
    {
        var storage = new GatedStorage();
        var state = State(storage, "direct-not-minted", out var context);
        var (_, observer) = Assert.Single(context.Observers);

        Task start;
        using (NewGrain.Minted(GrainId.Create("profile", "someone-else")))
            start = observer.OnStart(CancellationToken.None);
        Assert.Equal(["read"], storage.Started);
        storage.Finish("read");
        await start;

        // Once the scope is left, the same key is read again.
        var laterStorage = new GatedStorage();
        _ = State(laterStorage, "direct-not-minted", out var later);
        using (NewGrain.Minted(later.GrainId))
        {
        }
        var laterStart = Assert.Single(later.Observers).Observer.OnStart(CancellationToken.None);
        Assert.Equal(["read"], laterStorage.Started);
        laterStorage.Finish("read");
        await laterStart;
    }

    [Fact]
    public async Task A_key_minted_wrongly_cannot_overwrite_what_storage_holds()
    {
        var storage = Storage();
        var writer = State(storage, "direct-wrongly-minted", out _);
        await writer.ReadStateAsync();
        writer.State.EventsDropped = 5;
        await writer.WriteStateAsync();

        var state = State(storage, "direct-wrongly-minted", out var context);
        using (NewGrain.Minted(context.GrainId))
            await Assert.Single(context.Observers).Observer.OnStart(CancellationToken.None);
        state.State.EventsDropped = 1;

        await Assert.ThrowsAsync<InconsistentStateException>(() => state.WriteStateAsync());
        var read = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", context.GrainId, read);
        Assert.Equal(5, read.State!.EventsDropped);
    }

    [Fact]
    public void A_missing_storage_is_named()
    {
        var factory = new DirectPersistentStateFactory();
        var context = new FakeGrainContext(GrainId.Create("profile", "direct-5"), _silo);
        var error = Assert.Throws<BadProviderConfigException>(() =>
            factory.Create<ProfileState>(context, new StateConfiguration("profile", "no-such-storage")));
        Assert.Contains("\"no-such-storage\"", error.Message);
        Assert.Contains("\"profile\"", error.Message);
    }

    /// <summary>
    /// Calls <paramref name="operation"/> where any turn it yields waits until the call has returned, as a turn on a
    /// busy activation's scheduler would: whether the task was complete when the call returned does not depend on
    /// how fast another thread is.
    /// </summary>
    private static (Task Task, bool CompletedAtOnce) OnHeldScheduler(Func<Task> operation)
    {
        var scheduler = new HeldScheduler();
        var call = Task.Factory.StartNew(() =>
        {
            var context = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(null);
            try
            {
                var task = operation();
                return (task, task.IsCompleted);
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(context);
            }
        }, CancellationToken.None, TaskCreationOptions.None, scheduler);
        scheduler.RunAll();
        return call.Result;
    }

    /// <summary>Runs what is queued to it only when told to.</summary>
    private sealed class HeldScheduler : TaskScheduler
    {
        private readonly Queue<Task> _queued = new();
        protected override void QueueTask(Task task) => _queued.Enqueue(task);
        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;
        protected override IEnumerable<Task> GetScheduledTasks() => _queued;

        public void RunAll()
        {
            while (_queued.TryDequeue(out var task)) TryExecuteTask(task);
        }
    }

    private sealed record StateConfiguration(string StateName, string StorageName) : IPersistentStateConfiguration;

    /// <summary>A storage whose every operation waits until the test finishes it.</summary>
    private sealed class GatedStorage : IGrainStorage
    {
        private readonly Dictionary<string, TaskCompletionSource> _running = [];
        public List<string> Started { get; } = [];

        public void Finish(string operation, Exception? error = null)
        {
            if (error is null) _running[operation].SetResult();
            else _running[operation].SetException(error);
        }

        private Task Begin(string operation)
        {
            Started.Add(operation);
            var done = new TaskCompletionSource();
            _running[operation] = done;
            return done.Task;
        }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Begin("read");
        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Begin("write");
        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Begin("clear");
    }

    /// <summary>Just enough of a grain's context for its persistent state: its id, services and lifecycle.</summary>
    private sealed class FakeGrainContext(GrainId id, IServiceProvider services) : IGrainContext, IGrainLifecycle
    {
        public List<(int Stage, ILifecycleObserver Observer)> Observers { get; } = [];

        public GrainId GrainId => id;
        public IServiceProvider ActivationServices => services;
        public IGrainLifecycle ObservableLifecycle => this;

        public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
        {
            Observers.Add((stage, observer));
            return new NoDispose();
        }

        public void AddMigrationParticipant(IGrainMigrationParticipant participant) { }
        public void RemoveMigrationParticipant(IGrainMigrationParticipant participant) { }

        public GrainReference GrainReference => throw new NotSupportedException();
        public object? GrainInstance => null;
        public ActivationId ActivationId => throw new NotSupportedException();
        public GrainAddress Address => throw new NotSupportedException();
        public IWorkItemScheduler Scheduler => throw new NotSupportedException();
        public Task Deactivated => Task.CompletedTask;
        public void SetComponent<TComponent>(TComponent? value) where TComponent : class => throw new NotSupportedException();
        public object? GetComponent(Type componentType) => null;
        public object? GetTarget() => null;
        public void ReceiveMessage(object message) => throw new NotSupportedException();
        public void Activate(Dictionary<string, object>? requestContext, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public void Deactivate(DeactivationReason deactivationReason, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public void Rehydrate(IRehydrationContext context) => throw new NotSupportedException();
        public void Migrate(Dictionary<string, object>? requestContext, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public bool Equals(IGrainContext? other) => ReferenceEquals(this, other);

        private sealed class NoDispose : IDisposable
        {
            public void Dispose() { }
        }
    }
}
