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
    /// <summary>Stats of the events that fell off the timeline, so totals still count them; null until one has.</summary>
    public ProfileStats? DroppedStats => _droppedStats;
    [Id(4)] private ProfileStats? _droppedStats;
    [Id(5)] public long EventsDropped { get; set; }
    [Id(6)] public long LinksDropped { get; set; }
    /// <summary>Set while this profile has handed its facts to an absorber that has not confirmed yet; writes wait.</summary>
    [Id(7)] public string? SurrenderingTo { get; set; }
    /// <summary>Profiles whose facts this one has taken in, so that completing an interrupted merge never takes them in twice.</summary>
    public IReadOnlySet<string> Absorbed => _absorbed ?? None;
    [Id(8)] private HashSet<string>? _absorbed;
    /// <summary>
    /// Parts split off this profile (an unlink, a shared device moving, the graph limit) that their new owner has
    /// not durably taken in yet. They leave the graph and timeline in the same write that records them here, and
    /// stay here until delivered, so a crash between the two profiles' writes loses nothing and copies nothing.
    /// </summary>
    [Id(9)] public List<Handover> Handovers { get; set; } = [];
    /// <summary>Handovers this profile has taken in, so that one delivered again after a crash is taken in once.</summary>
    public IReadOnlySet<string> Received => _received ?? None;
    [Id(10)] private HashSet<string>? _received;
    /// <summary>
    /// Profiles taken in whose surrender is not confirmed yet (identities re-pointed, their copy dropped): written
    /// with the take-in, so an absorber stopped before confirming confirms on its next activation, and handed on
    /// to whoever absorbs this profile first.
    /// </summary>
    public IReadOnlySet<string> Confirming => _confirming ?? None;
    [Id(11)] private HashSet<string>? _confirming;
    /// <summary>Segment memberships, written with the change that caused them (Id 20 leaves room for the facts above).</summary>
    [Id(20)] public global::ProfileGrid.Segments.ProfileSegmentState Segments { get; set; } = new();

    public bool Exists => Graph.Count > 0;

    // The sets and the dropped-events stats are empty for almost every profile: they are allocated (and
    // stored) only once something is put in them, which saved about 0.45 KB per profile in memory.
    private static readonly HashSet<string> None = [];

    /// <summary>The stats of the events that fell off the timeline, created on first use.</summary>
    public ProfileStats DroppedStatsToUpdate() => _droppedStats ??= new();

    public void AddAbsorbed(string profileId) => (_absorbed ??= new(StringComparer.Ordinal)).Add(profileId);
    public void AddReceived(string handoverId) => (_received ??= new(StringComparer.Ordinal)).Add(handoverId);
    public void AddConfirming(string profileId) => (_confirming ??= new(StringComparer.Ordinal)).Add(profileId);
    public void RemoveConfirming(string profileId) => _confirming?.Remove(profileId);

    /// <summary>Takes in the sets of a profile absorbed or a part handed over.</summary>
    public void TakeInSets(IEnumerable<string> absorbed, IEnumerable<string> received, IEnumerable<string> confirming)
    {
        foreach (var id in absorbed) AddAbsorbed(id);
        foreach (var id in received) AddReceived(id);
        foreach (var id in confirming) AddConfirming(id);
    }
}
