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

    public async Task<string?> CompareAndSetOwner(string? expected, string? next)
    {
        var before = state.State.Owner;
        if (before == next || before != expected) return before;
        state.State.Owner = next;
        await state.WriteStateAsync();
        return before;
    }
}
