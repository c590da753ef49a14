using System.Text.Json;

namespace ProfileGrid.Segments;

/// <summary>
/// A profile's state as the segment language sees it. Event attributes are parsed once per event and kept
/// (events are immutable); traits are serialised at most once per evaluation pass, and only when a segment reads them.
/// </summary>
public sealed class ProfileSegmentSubject : ISegmentSubject
{
    private readonly Dictionary<string, JsonElement> _attributes = new(StringComparer.Ordinal);
    private readonly List<SegmentEvent> _events = [];
    private ProfileState _state = new();
    private ProfileStatsView _stats;
    private JsonElement? _traits;
    private HashSet<string>? _namespaces;

    /// <summary>Points the subject at the profile's current state, for one evaluation pass at <paramref name="now"/>.</summary>
    public ProfileSegmentSubject Reset(ProfileState state, ProfileStats stats, DateTimeOffset now)
    {
        _state = state;
        _traits = null;
        _namespaces = null;
        _events.Clear();
        foreach (var e in state.Events) _events.Add(Project(e));
        if (_attributes.Count > 2 * Math.Max(16, state.Events.Count)) Prune(state.Events);
        _stats = new ProfileStatsView
        {
            EventCount = stats.EventCount,
            PurchaseCount = stats.PurchaseCount,
            LifetimeRevenue = stats.LifetimeRevenue,
            FirstSeen = stats.FirstSeen,
            LastSeen = stats.LastSeen,
            LastPurchaseAt = stats.LastPurchaseAt,
            MostEngagedChannel = stats.MostEngagedChannel(now),
        };
        return this;
    }

    public JsonElement Traits => _traits ??= JsonSerializer.SerializeToElement(_state.Traits.ToJson());

    public IReadOnlyList<SegmentEvent> Events => _events;

    public ProfileStatsView Stats => _stats;

    public bool HasIdentityNamespace(string identityNamespace) =>
        (_namespaces ??= _state.Graph.Identities.Select(i => i.Namespace).ToHashSet(StringComparer.Ordinal)).Contains(identityNamespace);

    public bool IsInSegment(string segmentId) => _state.Segments.IsMember(segmentId);

    private SegmentEvent Project(CustomerEvent e)
    {
        var attributes = default(JsonElement);
        if (e.AttributesJson is { } json && !_attributes.TryGetValue(e.Id, out attributes))
        {
            using var document = JsonDocument.Parse(json);
            _attributes[e.Id] = attributes = document.RootElement.Clone();
        }
        return new SegmentEvent(e.Type, e.Timestamp, e.Channel, e.Campaign, e.Revenue, attributes);
    }

    private void Prune(List<CustomerEvent> kept)
    {
        var ids = kept.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in _attributes.Keys.Where(id => !ids.Contains(id)).ToList()) _attributes.Remove(id);
    }
}
