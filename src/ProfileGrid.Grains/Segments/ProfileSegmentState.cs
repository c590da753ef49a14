namespace ProfileGrid.Segments;

/// <summary>One person's standing in one segment.</summary>
[GenerateSerializer]
public sealed class MembershipEntry
{
    /// <summary>Null while the person has never been in the segment (the entry then only carries <see cref="NextChange"/>).</summary>
    [Id(0)] public MembershipStatus? Status { get; set; }
    [Id(1)] public DateTimeOffset Since { get; set; }
    /// <summary>When time alone may change the result (a window passing); null when it cannot.</summary>
    [Id(2)] public DateTimeOffset? NextChange { get; set; }
}

/// <summary>
/// A profile's segment memberships, stored in the profile's own state so that they are written in the same
/// write as the change that caused them.
/// </summary>
[GenerateSerializer]
public sealed class ProfileSegmentState
{
    [Id(0)] public Dictionary<string, MembershipEntry> Entries { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Sequence of the last membership change; increases by one per change.</summary>
    [Id(1)] public long Sequence { get; set; }
    /// <summary>The catalogue version the memberships reflect; segments defined later are evaluated on the next change or refresh.</summary>
    [Id(2)] public long CatalogVersion { get; set; }
    /// <summary>Whether the profile is in the profile directory (so batch evaluation reaches it).</summary>
    [Id(3)] public bool InDirectory { get; set; }
    /// <summary>Counters seen at the last evaluation: a change of them means events or identities left the profile.</summary>
    [Id(4)] public long EventsDroppedSeen { get; set; }
    [Id(5)] public long LinksDroppedSeen { get; set; }
    [Id(6)] public int IdentitiesSeen { get; set; }
    /// <summary>
    /// The latest instant the profile's durable time reminder fires at; null when no reminder is known to be armed.
    /// Set only once the reminder is armed (so a write of it comes after), and cleared when the reminder fires,
    /// before a reminder with nothing left to check is unregistered: a stored time never promises a reminder that
    /// does not exist, and a profile woken from storage need not arm its reminder again.
    /// </summary>
    [Id(7)] public DateTimeOffset? ReminderDue { get; set; }

    public bool IsMember(string segmentId) =>
        Entries.TryGetValue(segmentId, out var entry) && entry.Status == MembershipStatus.Realized;

    /// <summary>Whether the armed reminder already checks in time for <paramref name="next"/>: it is still to fire, and no later than that.</summary>
    public bool ReminderCovers(DateTimeOffset next, DateTimeOffset now) => ReminderDue is { } due && due > now && due <= next;

    /// <summary>The earliest instant a time window may flip a membership.</summary>
    public DateTimeOffset? NextTimeCheck()
    {
        if (_nextTimeCheckKnown) return _nextTimeCheck;
        DateTimeOffset? next = null;
        foreach (var entry in Entries.Values)
            if (entry.NextChange is { } at && (next is null || at < next)) next = at;
        (_nextTimeCheck, _nextTimeCheckKnown) = (next, true);
        return next;
    }

    /// <summary>
    /// Call after changing an entry's <see cref="MembershipEntry.NextChange"/> or adding or removing an entry that has
    /// one (<see cref="MembershipEvaluator"/> does): <see cref="NextTimeCheck"/> is kept between passes, since every
    /// event asks whether a window is due, and is worked out again after this.
    /// </summary>
    public void NextChangesChanged() => _nextTimeCheckKnown = false;

    // Not stored: worked out again by each activation (a state read from storage is a new object).
    [NonSerialized] private DateTimeOffset? _nextTimeCheck;
    [NonSerialized] private bool _nextTimeCheckKnown;
}
