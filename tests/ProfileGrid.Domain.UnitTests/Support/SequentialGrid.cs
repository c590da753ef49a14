namespace ProfileGrid.Domain.UnitTests.Support;

/// <summary>
/// The stitching protocol of <c>StitchCoordinator</c> and <c>ProfileGrain</c>, one event at a time and
/// in memory: owners map each identity to a profile id, a profile is an <see cref="IdentityGraph"/> and
/// the ids of its events, merges run into the lowest id, a relinked device leaves its old profile with
/// <see cref="IdentityGraph.Detach"/> (carrying its anonymous part and the events that part owns), and
/// new profile ids increase (<c>p0001</c>, <c>p0002</c>, ...) as the grains' time-ordered ids do.
/// Each step checks the invariants, so a broken rule fails at the event that broke it.
/// </summary>
public sealed class SequentialGrid(IdentityRules rules)
{
    public sealed class Profile(string id)
    {
        public string Id { get; } = id;
        public IdentityGraph Graph { get; } = new();
        public List<string> EventIds { get; } = [];
    }

    private readonly StitchPlanner _planner = new(rules);
    private readonly Dictionary<IdentityKey, string> _owners = [];
    private readonly SortedDictionary<string, Profile> _profiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _mergedInto = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CustomerEvent> _events = new(StringComparer.Ordinal);
    private int _lastId;

    public IReadOnlyCollection<Profile> Profiles => _profiles.Values;

    /// <summary>The plan of the last event that went through the planner (null on the fast path).</summary>
    public StitchPlan? LastPlan { get; private set; }

    /// <summary>Reports of the last operation: skipped identities and dropped links.</summary>
    public List<string> LastWarnings { get; } = [];

    public Profile this[string profileId] => _profiles[profileId];

    public string? OwnerOf(IdentityKey identity) => _owners.GetValueOrDefault(identity);

    /// <summary>The profile an identity belongs to; fails when nobody holds it.</summary>
    public Profile ProfileOf(IdentityKey identity) =>
        _profiles[OwnerOf(identity) ?? throw new InvalidOperationException($"{identity} has no profile")];

    /// <summary>The profile holding an event now.</summary>
    public Profile ProfileOfEvent(string eventId) => _profiles.Values.Single(p => p.EventIds.Contains(eventId));

    /// <summary>Where a merged-away profile id leads now.</summary>
    public string Resolve(string profileId)
    {
        while (_mergedInto.TryGetValue(profileId, out var next)) profileId = next;
        return profileId;
    }

    /// <summary>Stitches one accepted event; returns the id of the profile that received it.</summary>
    public string Apply(CustomerEvent e)
    {
        LastWarnings.Clear();
        LastPlan = null;
        _events[e.Id] = e;
        var owners = e.Identities.ToDictionary(i => i, OwnerOf);
        var distinct = owners.Values.OfType<string>().Distinct().ToList();
        string target;
        if (distinct.Count == 1 && owners.Values.All(o => o is not null))
        {
            // Fast path: every identity already belongs to the same person.
            target = distinct[0];
            ApplyTo(target, e, _planner.Order(e.Identities), [], []);
        }
        else
        {
            var summaries = distinct.ToDictionary(
                id => id, id => new ProfileIdentitySummary(id, _profiles[id].Graph.UniqueIdentities(rules)), StringComparer.Ordinal);
            var plan = LastPlan = _planner.Plan(e.Identities, owners, summaries);
            target = plan.TargetProfileId ?? NewProfile().Id;
            foreach (var other in plan.Merges) Absorb(target, other);
            foreach (var relink in plan.Relinks) Adopt(target, Release(relink.FromProfileId, relink.Identity, target));
            ApplyTo(target, e, plan.Linked, plan.Claims, plan.Skipped);
        }
        CheckInvariants();
        return target;
    }

    /// <summary>Removes an identity's links (GraphQL <c>unlinkIdentity</c>); returns the profile it is in afterwards.</summary>
    public string Unlink(IdentityKey identity)
    {
        LastWarnings.Clear();
        var owner = _profiles[OwnerOf(identity) ?? throw new InvalidOperationException($"{identity} has no profile")];
        var split = owner.Graph.Detach(identity, carryAnonymous: false, rules);
        if (split.Keep.Count == 0) return owner.Id;
        var parts = new List<IdentityGraph> { owner.Graph.Subgraph(split.Detached) };
        parts.AddRange(split.Others.Select(owner.Graph.Subgraph));
        var ids = SpinOff(owner, parts);
        owner.Graph.RetainOnly(split.Keep);
        CheckInvariants();
        return ids[0];
    }

    private Profile NewProfile()
    {
        var profile = new Profile($"p{++_lastId:D4}");
        _profiles.Add(profile.Id, profile);
        return profile;
    }

    private void ApplyTo(string targetId, CustomerEvent e, ImmutableArray<IdentityKey> linked,
        ImmutableArray<IdentityKey> claims, ImmutableArray<SkippedIdentity> skipped)
    {
        var target = _profiles[targetId];
        var newClaims = claims.Where(c => !target.Graph.Contains(c)).ToHashSet();
        foreach (var identity in linked)
            if (!newClaims.Contains(identity) && !target.Graph.Contains(identity))
                throw new InvalidOperationException($"{identity} is not in profile {targetId}");
        if (!_planner.Compatible(target.Graph.UniqueIdentities(rules), newClaims))
            throw new InvalidOperationException($"profile {targetId} would get a conflicting unique identity");
        foreach (var claim in newClaims)
        {
            if (OwnerOf(claim) is { } owner && owner != targetId)
                throw new InvalidOperationException($"{claim} is claimed by {targetId} but belongs to {owner}");
            _owners[claim] = targetId;
        }

        var primary = linked[0];
        target.Graph.Add(primary, e.Timestamp);
        foreach (var other in linked.Skip(1)) target.Graph.Link(primary, other, e.Timestamp, e.Id);
        LastWarnings.AddRange(skipped.Select(s => $"{s.Identity}: {s.Reason}"));
        if (!target.EventIds.Contains(e.Id)) target.EventIds.Add(e.Id);
        EnforceGraphLimit(target);
    }

    private void Absorb(string survivorId, string otherId)
    {
        if (string.CompareOrdinal(otherId, survivorId) <= 0)
            throw new InvalidOperationException($"merges run from the lower id to the higher one; {otherId} cannot merge into {survivorId}");
        var survivor = _profiles[survivorId];
        var other = _profiles[otherId];
        if (!_planner.Compatible(survivor.Graph.UniqueIdentities(rules), other.Graph.UniqueIdentities(rules)))
            throw new InvalidOperationException($"{otherId} conflicts with {survivorId}");
        survivor.Graph.MergeFrom(other.Graph);
        foreach (var id in other.EventIds.Where(id => !survivor.EventIds.Contains(id))) survivor.EventIds.Add(id);
        Repoint(other.Graph.Identities, otherId, survivorId);
        _profiles.Remove(otherId);
        _mergedInto[otherId] = survivorId;
        EnforceGraphLimit(survivor);
    }

    /// <summary>The shared-device move, source side: what leaves with the device.</summary>
    private (IdentityGraph Graph, List<string> EventIds) Release(string fromId, IdentityKey identity, string newOwnerId)
    {
        var source = _profiles[fromId];
        var split = source.Graph.Detach(identity, carryAnonymous: true, rules);
        if (split.Keep.Count == 0) throw new InvalidOperationException($"{identity} is all of profile {fromId}");
        var moving = Extract(source, source.Graph.Subgraph(split.Detached));
        SpinOff(source, split.Others.Select(source.Graph.Subgraph).ToList());
        source.Graph.RetainOnly(split.Keep);
        Repoint(moving.Graph.Identities, fromId, newOwnerId);
        return moving;
    }

    /// <summary>The shared-device move, target side.</summary>
    private void Adopt(string targetId, (IdentityGraph Graph, List<string> EventIds) fragment)
    {
        var target = _profiles[targetId];
        target.Graph.MergeFrom(fragment.Graph);
        foreach (var id in fragment.EventIds.Where(id => !target.EventIds.Contains(id))) target.EventIds.Add(id);
        EnforceGraphLimit(target);
    }

    /// <summary>Takes out of a profile the events owned (by their strongest identity) by the identities of a part.</summary>
    private (IdentityGraph Graph, List<string> EventIds) Extract(Profile from, IdentityGraph part)
    {
        var members = part.Identities.ToHashSet();
        var moving = from.EventIds.Where(id => members.Contains(rules.Primary(_events[id].Identities))).ToList();
        from.EventIds.RemoveAll(moving.Contains);
        return (part, moving);
    }

    private List<string> SpinOff(Profile from, List<IdentityGraph> parts)
    {
        var ids = new List<string>(parts.Count);
        foreach (var part in parts)
        {
            var (graph, events) = Extract(from, part);
            var profile = NewProfile();
            profile.Graph.MergeFrom(graph);
            profile.EventIds.AddRange(events);
            Repoint(graph.Identities, from.Id, profile.Id);
            ids.Add(profile.Id);
        }
        return ids;
    }

    private void EnforceGraphLimit(Profile profile)
    {
        var max = rules.Options.MaxIdentitiesPerGraph;
        if (profile.Graph.Count <= max) return;
        var (dropped, spunOff) = profile.Graph.EnforceLimit(max, rules);
        LastWarnings.AddRange(dropped.Select(l => $"dropped the oldest link {l.From} - {l.To} from event {l.SourceEventId}"));
        SpinOff(profile, spunOff);
    }

    private void Repoint(IEnumerable<IdentityKey> identities, string from, string to)
    {
        foreach (var identity in identities.ToList())
        {
            if (_owners.GetValueOrDefault(identity) != from)
                throw new InvalidOperationException($"{identity} belongs to {OwnerOf(identity)}, not {from}");
            _owners[identity] = to;
        }
    }

    /// <summary>
    /// What must hold between events: every identity belongs to exactly the profile whose graph holds it,
    /// each profile is one connected graph within the limit with at most one value per unique namespace,
    /// and every event is in exactly one profile.
    /// </summary>
    public void CheckInvariants()
    {
        foreach (var (identity, owner) in _owners)
            Assert.True(_profiles.TryGetValue(owner, out var p) && p.Graph.Contains(identity), $"{identity} points at {owner}, which does not hold it");
        foreach (var profile in _profiles.Values)
        {
            foreach (var identity in profile.Graph.Identities)
                Assert.Equal(profile.Id, OwnerOf(identity));
            Assert.True(profile.Graph.Count > 0, $"profile {profile.Id} is empty");
            Assert.True(profile.Graph.Components().Count == 1, $"profile {profile.Id} is not one connected graph");
            Assert.InRange(profile.Graph.Count, 1, rules.Options.MaxIdentitiesPerGraph);
            foreach (var group in profile.Graph.UniqueIdentities(rules).GroupBy(k => k.Namespace))
                Assert.True(group.Count() == 1, $"profile {profile.Id} holds {group.Count()} {group.Key} values: {string.Join(", ", group)}");
        }
        foreach (var id in _events.Keys)
            Assert.Single(_profiles.Values, p => p.EventIds.Contains(id));
    }
}
