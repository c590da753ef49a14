namespace ProfileGrid.Profiles;

/// <summary>Profile limits, bound from <c>ProfileGrid:Profiles</c>.</summary>
public sealed class ProfileOptions
{
    public const string Section = "ProfileGrid:Profiles";

    /// <summary>Events kept on a profile's timeline; older ones are counted in <c>eventsDropped</c>.</summary>
    public int MaxEventsPerProfile { get; set; } = 1000;

    /// <summary>Events a lookup returns when the caller does not say how many.</summary>
    public int DefaultEventsReturned { get; set; } = 50;

    /// <summary>
    /// How long a profile may hold events applied in memory before it writes its state; zero writes
    /// after every event. Unset: <see cref="DurableStateWriteDelay"/> with PostgreSQL storage, zero in
    /// memory (where a write costs nothing). Events are durable in the event log before they are
    /// acknowledged and profiles are derived from them, so a profile need not be written per event:
    /// it writes once for all the events of this interval, and each event's "not yet applied" marker
    /// is removed only after that write. A silo that dies first leaves the markers, and the recovery
    /// pass applies those events again. Merges, splits and trait changes are always written at once.
    /// </summary>
    public TimeSpan? StateWriteDelay { get; set; }

    /// <summary>The <see cref="StateWriteDelay"/> of PostgreSQL storage when none is configured.</summary>
    public static readonly TimeSpan DurableStateWriteDelay = TimeSpan.FromSeconds(5);

    /// <summary>The longest <see cref="StateWriteDelay"/> accepted: it must stay well below the recovery pass's grace period.</summary>
    public static readonly TimeSpan LongestStateWriteDelay = TimeSpan.FromSeconds(20);
}
