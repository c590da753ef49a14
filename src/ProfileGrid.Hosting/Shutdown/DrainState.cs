namespace ProfileGrid.Hosting.Shutdown;

/// <summary>
/// Set once the host has been asked to stop. Readiness reads it, so the host reports itself unready
/// before it stops taking requests; nothing ever clears it.
/// </summary>
public sealed class DrainState
{
    private volatile bool draining;

    public bool IsDraining => draining;

    public void BeginDraining() => draining = true;
}
