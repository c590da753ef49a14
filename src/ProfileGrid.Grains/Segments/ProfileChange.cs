namespace ProfileGrid.Segments;

/// <summary>What changed in a profile, so that only the segments that read it are evaluated again.</summary>
public readonly record struct ProfileChange
{
    private ProfileChange(ProfileChangeKind kind, string? eventType, StatsChange stats = StatsChange.All)
    {
        Kind = kind;
        EventType = eventType;
        Stats = stats;
    }

    public ProfileChangeKind Kind { get; }

    /// <summary>The type of the added event, for <see cref="ProfileChangeKind.Event"/>.</summary>
    public string? EventType { get; }

    /// <summary>The stats fields the added event can have changed, for <see cref="ProfileChangeKind.Event"/>.</summary>
    public StatsChange Stats { get; }

    /// <summary>An event of <paramref name="type"/> was added, which may have changed any stats field (identities may have been linked).</summary>
    public static ProfileChange Event(string type) => new(ProfileChangeKind.Event, type);

    /// <summary>
    /// <paramref name="e"/> was added: the segments reading its type or a stats field it moves are affected (what
    /// <see cref="ProfileStats.Add"/> changes: counts and seen times always, revenue only with a revenue, purchase
    /// figures only with a purchase, the most engaged channel only with a channel).
    /// </summary>
    public static ProfileChange Event(CustomerEvent e)
    {
        var stats = StatsChange.EventCount | StatsChange.FirstSeen | StatsChange.LastSeen;
        if (e.Revenue is not null) stats |= StatsChange.LifetimeRevenue;
        if (e.Type == ProfileStats.PurchaseType) stats |= StatsChange.PurchaseCount | StatsChange.LastPurchaseAt;
        if (e.Channel is not null) stats |= StatsChange.MostEngagedChannel;
        return new(ProfileChangeKind.Event, e.Type, stats);
    }

    /// <summary>Traits were observed (an identity may have been claimed with them).</summary>
    public static ProfileChange Traits { get; } = new(ProfileChangeKind.Traits, null);

    /// <summary>Facts moved in or out (merge, split, adoption) or the catalogue changed: evaluate everything.</summary>
    public static ProfileChange Everything { get; } = new(ProfileChangeKind.Everything, null);

    /// <summary>Only time passed: evaluate the segments whose window moved.</summary>
    public static ProfileChange Time { get; } = new(ProfileChangeKind.Time, null);

    /// <summary>Whether this change can alter a segment that reads <paramref name="reads"/>.</summary>
    public bool Affects(SegmentDependencies reads, bool identitiesChanged) => Kind switch
    {
        ProfileChangeKind.Everything => true,
        ProfileChangeKind.Event => reads.IsAffectedByEventType(EventType!) || ReadsChangedStats(reads)
            || (identitiesChanged && reads.IdentityNamespaces.Count > 0),
        ProfileChangeKind.Traits => reads.TraitPaths.Count > 0 || (identitiesChanged && reads.IdentityNamespaces.Count > 0),
        _ => false,
    };

    private bool ReadsChangedStats(SegmentDependencies reads) => (reads.StatsRead & Stats) != 0;
}

public enum ProfileChangeKind
{
    Event,
    Traits,
    Everything,
    Time,
}
