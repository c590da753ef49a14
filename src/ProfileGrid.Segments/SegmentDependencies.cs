namespace ProfileGrid.Segments;

/// <summary>
/// What a segment reads, so that a profile re-evaluates only the segments a change can affect
/// (an event of another type, a trait the segment never reads...).
/// </summary>
public sealed record SegmentDependencies
{
    internal SegmentDependencies(
        IReadOnlySet<string> eventTypes,
        bool anyEventType,
        bool usesEvents,
        IReadOnlySet<string> traitPaths,
        IReadOnlySet<string> statsFields,
        StatsChange statsRead,
        IReadOnlySet<string> identityNamespaces,
        IReadOnlySet<string> segmentIds,
        bool hasTimeWindows)
    {
        EventTypes = eventTypes;
        AnyEventType = anyEventType;
        UsesEvents = usesEvents;
        TraitPaths = traitPaths;
        StatsFields = statsFields;
        StatsRead = statsRead;
        IdentityNamespaces = identityNamespaces;
        SegmentIds = segmentIds;
        HasTimeWindows = hasTimeWindows;
    }

    /// <summary>
    /// Event types that some <c>events where ...</c> is pinned to (through <c>type = "..."</c> or <c>type in [...]</c>).
    /// Only complete when <see cref="AnyEventType"/> is false.
    /// </summary>
    public IReadOnlySet<string> EventTypes { get; }

    /// <summary>True when some event set is not pinned to known types, so an event of any type may matter.</summary>
    public bool AnyEventType { get; }

    /// <summary>True when the segment looks at events at all.</summary>
    public bool UsesEvents { get; }

    /// <summary>Trait paths read, as written after <c>traits.</c> (e.g. <c>address.country</c>).</summary>
    public IReadOnlySet<string> TraitPaths { get; }

    /// <summary>Stats fields read (e.g. <c>lifetimeRevenue</c>).</summary>
    public IReadOnlySet<string> StatsFields { get; }

    /// <summary>The same fields as flags, to test against the fields a profile change moved.</summary>
    public StatsChange StatsRead { get; }

    /// <summary>Identity namespaces tested with <c>hasIdentity</c>.</summary>
    public IReadOnlySet<string> IdentityNamespaces { get; }

    /// <summary>Segment ids referenced with <c>inSegment</c>.</summary>
    public IReadOnlySet<string> SegmentIds { get; }

    /// <summary>True when a <c>within</c> window exists, so the result can change with time alone (see <see cref="CompiledSegment.NextTimeChange"/>).</summary>
    public bool HasTimeWindows { get; }

    /// <summary>
    /// Whether a new or removed event of <paramref name="eventType"/> can change the segment through its event
    /// conditions. Stats derived from events are separate: see <see cref="StatsFields"/>.
    /// </summary>
    public bool IsAffectedByEventType(string eventType) =>
        UsesEvents && (AnyEventType || EventTypes.Contains(eventType));

    /// <summary>
    /// Whether a change of the trait at <paramref name="traitPath"/> (e.g. <c>address</c> or <c>address.city</c>)
    /// can change the segment: true when a read path equals it, lies under it, or contains it.
    /// </summary>
    public bool IsAffectedByTrait(string traitPath)
    {
        foreach (var path in TraitPaths)
        {
            if (path == traitPath || IsUnder(path, traitPath) || IsUnder(traitPath, path))
            {
                return true;
            }
        }

        return false;

        static bool IsUnder(string path, string prefix) =>
            path.Length > prefix.Length && path.StartsWith(prefix, StringComparison.Ordinal) && path[prefix.Length] == '.';
    }
}
