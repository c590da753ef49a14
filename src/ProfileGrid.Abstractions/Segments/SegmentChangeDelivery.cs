namespace ProfileGrid.Segments;

/// <summary>
/// A host's receiver of segment membership changes (its subscription hub), reachable from every silo
/// as a grain observer. Each silo's relay calls it with batches, one at a time, in the order the
/// changes were published on that silo.
/// </summary>
public interface ISegmentChangeListener : IGrainObserver
{
    Task Deliver(ImmutableArray<SegmentMembershipChange> changes);
}

/// <summary>A silo's relay, told by the registry whenever the set of listening hosts changes.</summary>
public interface ISegmentChangeRelay : IGrainObserver
{
    Task ListenersChanged(SegmentListenerSnapshot snapshot);
}

/// <summary>
/// The hosts listening for changes, as of one version of one activation of the registry (the
/// <paramref name="Epoch"/>): within an epoch a higher version is newer; a new epoch (the registry came
/// back, perhaps without its state) always replaces what a relay holds.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SegmentListenerSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] ImmutableArray<ISegmentChangeListener> Listeners,
    [property: Id(2)] Guid Epoch);

/// <summary>
/// The answer to a listener's registration: whether the registry already knew it (false the first
/// time, and after the registry lost it), and how long the registration lasts unless renewed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SegmentListenerLease(
    [property: Id(0)] bool WasKnown,
    [property: Id(1)] TimeSpan Duration);

/// <summary>
/// Who listens for segment membership changes (one listener per host) and which silos relay them
/// (one relay per silo). A registration lasts <see cref="SegmentListenerLease.Duration"/> unless
/// renewed, so a host or silo that died without saying goodbye drops out by itself. The set of
/// listeners is stored (with PostgreSQL, in the pub-sub store), so it outlives the silo that holds
/// the registry. One grain, key 0.
/// </summary>
public interface ISegmentListenerRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Adds or renews a host's listener. A new listener is told to every relay before this returns,
    /// so changes published after it returns reach the host.
    /// </summary>
    Task<SegmentListenerLease> RegisterListener(ISegmentChangeListener listener);

    Task RemoveListener(ISegmentChangeListener listener);

    /// <summary>Adds or renews a silo's relay; returns the current listeners.</summary>
    Task<SegmentListenerSnapshot> RegisterRelay(ISegmentChangeRelay relay);

    Task RemoveRelay(ISegmentChangeRelay relay);

    /// <summary>The current listeners (for operators and tests).</summary>
    Task<SegmentListenerSnapshot> Listeners();
}

/// <summary>
/// Present in a host's services when its silo or client is wired for segment change delivery
/// (<c>AddProfileGridStreams</c>); a hub on a host without it refuses subscriptions with a clear error
/// instead of waiting for changes that cannot come.
/// </summary>
public sealed class SegmentChangeDelivery;
