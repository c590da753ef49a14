using Orleans.Runtime;

namespace ProfileGrid.Storage.Postgres.Tests.Orleans;

/// <summary>A grain that exercises grain persistence and reminders on PostgreSQL.</summary>
public interface IProbeGrain : IGrainWithStringKey
{
    /// <summary>Adds one to the stored counter and writes the state.</summary>
    Task<int> Increment();

    /// <summary>The state as the grain holds it.</summary>
    Task<ProbeState> GetState();

    /// <summary>Deactivates the grain once the call returns; the next call reads its state from storage.</summary>
    Task Deactivate();

    /// <summary>Registers (or updates) the reminder "tick".</summary>
    Task StartReminder(TimeSpan dueTime, TimeSpan period);

    /// <summary>Unregisters the reminder "tick" if it exists.</summary>
    Task StopReminder();

    /// <summary>The names of the grain's registered reminders.</summary>
    Task<List<string>> ListReminders();
}

[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public int Counter { get; set; }

    [Id(1)]
    public int ReminderTicks { get; set; }
}

public sealed class ProbeGrain([PersistentState("probe", OrleansCluster.StorageName)] IPersistentState<ProbeState> state)
    : Grain, IProbeGrain, IRemindable
{
    public const string ReminderName = "tick";

    public async Task<int> Increment()
    {
        state.State.Counter++;
        await state.WriteStateAsync();
        return state.State.Counter;
    }

    public Task<ProbeState> GetState() => Task.FromResult(state.State);

    public Task Deactivate()
    {
        this.DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task StartReminder(TimeSpan dueTime, TimeSpan period) => this.RegisterOrUpdateReminder(ReminderName, dueTime, period);

    public async Task StopReminder()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task<List<string>> ListReminders() =>
        (await this.GetReminders()).Select(reminder => reminder.ReminderName).ToList();

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.ReminderTicks++;
        await state.WriteStateAsync();
    }
}
