namespace ProfileGrid.Identity;

/// <summary>
/// One identity (key <c>namespace:value</c>, normalised): a pointer to the profile that holds it.
/// Only the profile named by the pointer moves it, inside its own turn, so a pointer never names two
/// profiles and never changes behind a profile's back. Identity grains call no other grain.
/// </summary>
public interface IIdentityGrain : IGrainWithStringKey
{
    /// <summary>The profile this identity belongs to, or null when no event has carried it.</summary>
    Task<string?> GetOwner();

    /// <summary>
    /// Sets the owner to <paramref name="next"/> when it is <paramref name="expected"/>. Returns the owner
    /// before the call: the caller succeeded when that is <paramref name="expected"/> or already
    /// <paramref name="next"/>, and otherwise sees who won the race.
    /// </summary>
    Task<string?> CompareAndSetOwner(string? expected, string? next);
}
