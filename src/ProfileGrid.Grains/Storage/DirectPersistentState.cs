using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization.Activators;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ProfileGrid.Storage;

/// <summary>
/// Creates the <c>[PersistentState]</c> of ProfileGrid's grains as <see cref="DirectPersistentState{TState}"/>
/// instead of Orleans' own bridge, with the same storage lookup: the named provider, else the default one.
/// </summary>
public sealed class DirectPersistentStateFactory : IPersistentStateFactory
{
    public IPersistentState<TState> Create<TState>(IGrainContext context, IPersistentStateConfiguration config)
    {
        var services = context.ActivationServices;
        var storage = string.IsNullOrWhiteSpace(config.StorageName)
            ? services.GetService<IGrainStorage>()
            : services.GetKeyedService<IGrainStorage>(config.StorageName);
        if (storage is null)
        {
            throw new BadProviderConfigException(string.IsNullOrWhiteSpace(config.StorageName)
                ? $"No default grain storage is registered, and grain type {context.GrainId.Type} has persistent state \"{config.StateName}\"."
                : $"No grain storage named \"{config.StorageName}\" is registered, and grain type {context.GrainId.Type} has persistent state \"{config.StateName}\" in it.");
        }

        return new DirectPersistentState<TState>(config.StateName, context, storage, services.GetRequiredService<IActivatorProvider>().GetActivator<TState>());
    }
}

/// <summary>
/// A grain's persistent state that calls its storage provider directly. Orleans' own bridge queues every read and
/// write behind a forced yield (one more turn on the activation's scheduler, and its task objects, per write), which
/// on the embedded grid's in-memory storage was a visible part of each event's cost. Here an operation starts at once
/// when none is running, and otherwise after the one running (as the bridge orders them, for reentrant grains). The
/// state is read when the grain activates (the same lifecycle stage as Orleans'; not for a grain whose caller minted
/// its key, <see cref="NewGrain"/>), a storage conflict reaches the grain
/// as the provider's <see cref="InconsistentStateException"/>, and any other failure is logged and rethrown.
/// </summary>
public sealed class DirectPersistentState<TState> : IPersistentState<TState>, ILifecycleObserver
{
    private readonly string _name;
    private readonly IGrainContext _context;
    private readonly IGrainStorage _storage;
    private readonly GrainState<TState> _state;
    private Task _last = Task.CompletedTask;
    private bool _loaded;

    public DirectPersistentState(string name, IGrainContext context, IGrainStorage storage, IActivator<TState> activator)
    {
        _name = name;
        _context = context;
        _storage = storage;
        _state = new GrainState<TState>(activator.Create());
        context.ObservableLifecycle.Subscribe($"{nameof(DirectPersistentState<TState>)}/{name}", GrainLifecycleStage.SetupState, this);
    }

    public TState State
    {
        get => _state.State!;
        set => _state.State = value;
    }

    public string? Etag => _state.ETag;

    public bool RecordExists => _loaded ? _state.RecordExists : throw new InvalidOperationException($"state \"{_name}\" of {_context.GrainId} has not been read yet");

    public Task ReadStateAsync() => Run(Operation.Read);

    public Task WriteStateAsync() => Run(Operation.Write);

    public Task ClearStateAsync() => Run(Operation.Clear);

    Task ILifecycleObserver.OnStart(CancellationToken cancellationToken)
    {
        if (_loaded || cancellationToken.IsCancellationRequested) return Task.CompletedTask;
        if (NewGrain.IsMinted(_context.GrainId))
        {
            // Its key was minted by the caller just now: no row to read (and a first write is refused if wrong).
            _loaded = true;
            return Task.CompletedTask;
        }
        return ReadStateAsync();
    }

    Task ILifecycleObserver.OnStop(CancellationToken cancellationToken) => Task.CompletedTask;

    private enum Operation { Read, Write, Clear }

    private Task Run(Operation operation)
    {
        var task = _last.IsCompleted ? Start(operation) : After(_last, operation);
        _last = task;
        return task;
    }

    private async Task After(Task previous, Operation operation)
    {
        try
        {
            await previous;
        }
        catch
        {
            // Its caller has it; this operation runs regardless, as with Orleans' bridge.
        }

        await Start(operation);
    }

    private async Task Start(Operation operation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            switch (operation)
            {
                case Operation.Read:
                    await _storage.ReadStateAsync(_name, _context.GrainId, _state);
                    _loaded = true;
                    break;
                case Operation.Write:
                    await _storage.WriteStateAsync(_name, _context.GrainId, _state);
                    break;
                default:
                    await _storage.ClearStateAsync(_name, _context.GrainId, _state);
                    break;
            }
            GrainStateMetrics.Record(operation.ToString(), _name, GrainStateMetrics.Succeeded, started);
        }
        catch (InconsistentStateException)
        {
            GrainStateMetrics.Record(operation.ToString(), _name, GrainStateMetrics.Conflict, started);
            throw;
        }
        catch (Exception e)
        {
            GrainStateMetrics.Record(operation.ToString(), _name, GrainStateMetrics.Failed, started);
            _context.ActivationServices.GetService<ILoggerFactory>()?.CreateLogger<DirectPersistentState<TState>>()
                .LogError(e, "Grain storage failed to {Operation} state \"{State}\" of {Grain}", operation, _name, _context.GrainId);
            throw;
        }
    }
}

/// <summary>
/// How long grain state reads, writes and clears take in their storage provider, and how they end, for the state
/// written directly (<see cref="DirectPersistentState{TState}"/>; Orleans' own bridge reports its own storage
/// instruments instead). One histogram, <c>profilegrid.grain_state.duration</c> in milliseconds, tagged with the
/// <c>operation</c> (Read, Write, Clear), the <c>state</c> name (profile, identity, ...) and the <c>outcome</c>
/// (ok; conflict: refused by the storage's ETag check, which the grain re-reads and re-applies; error): its count
/// per tag set is the number of operations.
/// </summary>
public static class GrainStateMetrics
{
    public const string MeterName = "ProfileGrid.Storage";
    public const string Succeeded = "ok";
    public const string Conflict = "conflict";
    public const string Failed = "error";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "profilegrid.grain_state.duration", unit: "ms",
        description: "Grain state operations in their storage provider (direct state), by operation, state and outcome.");

    internal static void Record(string operation, string state, string outcome, long started)
    {
        if (!Duration.Enabled) return;
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("state", state),
            new KeyValuePair<string, object?>("outcome", outcome));
    }
}
