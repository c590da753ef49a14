namespace ProfileGrid.Profiles;

/// <summary>
/// The stitched view of one person. Everything here is derived from events and trait observations;
/// <see cref="MergedInto"/> is the forwarding pointer left behind when this profile was absorbed.
/// </summary>
[GenerateSerializer]
public sealed class ProfileState
{
    [Id(0)] public string? MergedInto { get; set; }
    [Id(1)] public IdentityGraph Graph { get; set; } = new();
    /// <summary>The newest events, ordered by timestamp (oldest first).</summary>
    [Id(2)] public List<CustomerEvent> Events { get; set; } = [];
    [Id(3)] public TraitSet Traits { get; set; } = new();
    /// <summary>Stats of the events that fell off the timeline, so totals still count them.</summary>
    [Id(4)] public ProfileStats DroppedStats { get; set; } = new();
    [Id(5)] public long EventsDropped { get; set; }
    [Id(6)] public long LinksDropped { get; set; }
    /// <summary>Set while this profile has handed its facts to an absorber that has not confirmed yet; writes wait.</summary>
    [Id(7)] public string? SurrenderingTo { get; set; }
    /// <summary>Profiles whose facts this one has taken in, so that completing an interrupted merge never takes them in twice.</summary>
    [Id(8)] public HashSet<string> Absorbed { get; set; } = new(StringComparer.Ordinal);
    /// <summary>
    /// Parts split off this profile (an unlink, a shared device moving, the graph limit) that their new owner has
    /// not durably taken in yet. They leave the graph and timeline in the same write that records them here, and
    /// stay here until delivered, so a crash between the two profiles' writes loses nothing and copies nothing.
    /// </summary>
    [Id(9)] public List<Handover> Handovers { get; set; } = [];
    /// <summary>Handovers this profile has taken in, so that one delivered again after a crash is taken in once.</summary>
    [Id(10)] public HashSet<string> Received { get; set; } = new(StringComparer.Ordinal);
    /// <summary>
    /// Profiles taken in whose surrender is not confirmed yet (identities re-pointed, their copy dropped): written
    /// with the take-in, so an absorber stopped before confirming confirms on its next activation, and handed on
    /// to whoever absorbs this profile first.
    /// </summary>
    [Id(11)] public HashSet<string> Confirming { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Segment memberships, written with the change that caused them (Id 20 leaves room for the facts above).</summary>
    [Id(20)] public global::ProfileGrid.Segments.ProfileSegmentState Segments { get; set; } = new();

    public bool Exists => Graph.Count > 0;
}
