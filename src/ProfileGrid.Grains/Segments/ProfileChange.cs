namespace ProfileGrid.Segments;

/// <summary>What changed in a profile, so that only the segments that read it are evaluated again.</summary>
public readonly record struct ProfileChange
{
    private ProfileChange(ProfileChangeKind kind, string? eventType)
    {
        Kind = kind;
        EventType = eventType;
    }

    public ProfileChangeKind Kind { get; }

    /// <summary>The type of the added event, for <see cref="ProfileChangeKind.Event"/>.</summary>
    public string? EventType { get; }

    /// <summary>An event was added (stats change with it; identities may have been linked).</summary>
    public static ProfileChange Event(string type) => new(ProfileChangeKind.Event, type);

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
        ProfileChangeKind.Event => reads.IsAffectedByEventType(EventType!) || reads.StatsFields.Count > 0
            || (identitiesChanged && reads.IdentityNamespaces.Count > 0),
        ProfileChangeKind.Traits => reads.TraitPaths.Count > 0 || (identitiesChanged && reads.IdentityNamespaces.Count > 0),
        _ => false,
    };
}

public enum ProfileChangeKind
{
    Event,
    Traits,
    Everything,
    Time,
}
