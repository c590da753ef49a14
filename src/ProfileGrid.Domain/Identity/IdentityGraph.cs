namespace ProfileGrid.Identity;

/// <summary>
/// One person's identity graph: the identities and the links between them. A profile is exactly one
/// connected graph; the operations here say what happens when links are added, removed or dropped,
/// and the profile grain applies the answer.
/// </summary>
[GenerateSerializer]
public sealed class IdentityGraph
{
    [Id(0)] private readonly Dictionary<IdentityKey, DateTimeOffset> _identities = [];
    [Id(1)] private readonly List<IdentityLink> _links = [];
    /// <summary>Index of linked pairs, rebuilt on demand (not serialised).</summary>
    [NonSerialized] private HashSet<(IdentityKey, IdentityKey)>? _pairs;

    private static (IdentityKey, IdentityKey) Pair(IdentityKey a, IdentityKey b) => a.CompareTo(b) <= 0 ? (a, b) : (b, a);

    private HashSet<(IdentityKey, IdentityKey)> Pairs => _pairs ??= _links.Select(l => Pair(l.From, l.To)).ToHashSet();

    public int Count => _identities.Count;

    public IEnumerable<IdentityKey> Identities => _identities.Keys;

    public IReadOnlyList<IdentityLink> Links => _links;

    public bool Contains(IdentityKey key) => _identities.ContainsKey(key);

    public DateTimeOffset FirstSeen(IdentityKey key) => _identities[key];

    /// <summary>Adds an identity (first seen at <paramref name="at"/>); keeps the earliest first-seen time.</summary>
    public void Add(IdentityKey key, DateTimeOffset at)
    {
        if (!_identities.TryGetValue(key, out var seen) || at < seen) _identities[key] = at;
    }

    /// <summary>Records a link once per pair; the first event that linked a pair stays its source.</summary>
    public bool Link(IdentityKey from, IdentityKey to, DateTimeOffset at, string sourceEventId)
    {
        if (from.Equals(to)) return false;
        Add(from, at);
        Add(to, at);
        if (!Pairs.Add(Pair(from, to))) return false;
        _links.Add(new IdentityLink(from, to, at, sourceEventId));
        return true;
    }

    /// <summary>The identities of unique namespaces, the ones that decide whether two graphs may merge.</summary>
    public ImmutableArray<IdentityKey> UniqueIdentities(IdentityRules rules) =>
        [.. _identities.Keys.Where(rules.IsUnique).Order()];

    /// <summary>Adds every identity and link of <paramref name="other"/>.</summary>
    public void MergeFrom(IdentityGraph other)
    {
        foreach (var (key, at) in other._identities) Add(key, at);
        foreach (var link in other._links)
            if (Pairs.Add(Pair(link.From, link.To))) _links.Add(link);
    }

    /// <summary>A new graph with only <paramref name="members"/> and the links among them.</summary>
    public IdentityGraph Subgraph(IReadOnlySet<IdentityKey> members)
    {
        var sub = new IdentityGraph();
        foreach (var key in members)
            if (_identities.TryGetValue(key, out var at)) sub._identities[key] = at;
        foreach (var link in _links)
            if (members.Contains(link.From) && members.Contains(link.To)) sub._links.Add(link);
        return sub;
    }

    /// <summary>Keeps only <paramref name="members"/> and the links among them.</summary>
    public void RetainOnly(IReadOnlySet<IdentityKey> members)
    {
        foreach (var key in _identities.Keys.Where(k => !members.Contains(k)).ToList()) _identities.Remove(key);
        _links.RemoveAll(l => !members.Contains(l.From) || !members.Contains(l.To));
        _pairs = null;
    }

    /// <summary>Connected components, ignoring the links <paramref name="ignore"/> selects.</summary>
    public List<HashSet<IdentityKey>> Components(Func<IdentityLink, bool>? ignore = null)
    {
        var parent = new Dictionary<IdentityKey, IdentityKey>(_identities.Count);
        foreach (var key in _identities.Keys) parent[key] = key;
        IdentityKey Find(IdentityKey k)
        {
            while (!parent[k].Equals(k)) { parent[k] = parent[parent[k]]; k = parent[k]; }
            return k;
        }
        foreach (var link in _links)
        {
            if (ignore?.Invoke(link) == true) continue;
            var (a, b) = (Find(link.From), Find(link.To));
            if (!a.Equals(b)) parent[a] = b;
        }
        return _identities.Keys.GroupBy(Find).Select(g => g.ToHashSet()).ToList();
    }

    /// <summary>
    /// Takes <paramref name="identity"/> out of this graph by removing its links to the rest.
    /// The part with the strongest remaining identity stays (<see cref="GraphSplit.Keep"/>). The
    /// identity leaves (<see cref="GraphSplit.Detached"/>); with <paramref name="carryAnonymous"/> the
    /// parts that hung off it and hold no unique identity leave with it (a shared device takes its
    /// anonymous history along). Any other part that lost its connection becomes a person of its own.
    /// </summary>
    public GraphSplit Detach(IdentityKey identity, bool carryAnonymous, IdentityRules rules)
    {
        if (!Contains(identity)) throw new InvalidOperationException($"{identity} is not in this graph.");
        var components = Components(l => l.Touches(identity));
        components.RemoveAll(c => c.Count == 1 && c.Contains(identity));
        var detached = new HashSet<IdentityKey> { identity };
        if (components.Count == 0) return new GraphSplit(new HashSet<IdentityKey>(), detached, []);

        var keep = components.OrderBy(c => rules.Primary(c), Comparer<IdentityKey>.Create(rules.Compare)).First();
        var others = new List<HashSet<IdentityKey>>();
        foreach (var component in components)
        {
            if (ReferenceEquals(component, keep)) continue;
            if (carryAnonymous && !component.Any(rules.IsUnique)) detached.UnionWith(component);
            else others.Add(component);
        }
        return new GraphSplit(keep, detached, others);
    }

    /// <summary>
    /// Enforces the graph size limit: while the graph holds more than <paramref name="max"/> identities
    /// the oldest link is dropped; parts that fall off become persons of their own. Returns the dropped
    /// links (for the report) and the parts to spin off; this graph keeps the part with the strongest identity.
    /// </summary>
    public (List<IdentityLink> Dropped, List<IdentityGraph> SpunOff) EnforceLimit(int max, IdentityRules rules)
    {
        var dropped = new List<IdentityLink>();
        var spunOff = new List<IdentityGraph>();
        while (_identities.Count > max && _links.Count > 0)
        {
            var oldest = _links.MinBy(l => l.At)!;
            _links.Remove(oldest);
            _pairs = null;
            dropped.Add(oldest);
            var components = Components();
            if (components.Count == 1) continue;
            var strongest = rules.Primary(_identities.Keys);
            var keep = components.First(c => c.Contains(strongest));
            spunOff.AddRange(components.Where(c => !ReferenceEquals(c, keep)).Select(c => Subgraph(c)));
            RetainOnly(keep);
        }
        // A part that fell off can itself be over the limit (a big part cut off by one old link): it
        // becomes a person of its own, so the same limit applies to it, and its drops are reported too.
        for (var i = 0; i < spunOff.Count; i++)
        {
            if (spunOff[i].Count <= max) continue;
            var (moreDropped, moreSpunOff) = spunOff[i].EnforceLimit(max, rules);
            dropped.AddRange(moreDropped);
            spunOff.AddRange(moreSpunOff);
        }
        return (dropped, spunOff);
    }
}

/// <summary>The result of <see cref="IdentityGraph.Detach"/>: which identities stay, leave, or stand alone.</summary>
public sealed record GraphSplit(
    IReadOnlySet<IdentityKey> Keep,
    IReadOnlySet<IdentityKey> Detached,
    IReadOnlyList<HashSet<IdentityKey>> Others);
