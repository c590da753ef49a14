using Orleans.Storage;

namespace ProfileGrid.Identity;

[GenerateSerializer]
public sealed class IdentityState
{
    [Id(0)] public string? Owner { get; set; }
}

public sealed class IdentityGrain(
    [PersistentState("identity", ProfileGridStorage.Name)] IPersistentState<IdentityState> state) : Grain, IIdentityGrain
{
    public Task<string?> GetOwner() => Task.FromResult(state.State.Owner);

    /// <summary>
    /// Sets the owner when it is <paramref name="expected"/>. When another activation wrote first
    /// (the storage ETag check fails), the newer owner is read back and the comparison made again on
    /// it: a stale pointer never overwrites a newer one.
    /// </summary>
    public async Task<string?> CompareAndSetOwner(string? expected, string? next)
    {
        for (var attempt = 0; ; attempt++)
        {
            var before = state.State.Owner;
            if (before == next || before != expected) return before;
            state.State.Owner = next;
            try
            {
                await state.WriteStateAsync();
                return before;
            }
            catch (InconsistentStateException) when (attempt < 16)
            {
                await state.ReadStateAsync();
            }
        }
    }
}
