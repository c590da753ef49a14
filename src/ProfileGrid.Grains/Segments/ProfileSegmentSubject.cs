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
    private ProfileStats _statsSource = new();
    private DateTimeOffset _now;
    private bool _eventsProjected;
    private ProfileStatsView? _stats;
    private JsonElement? _traits;
    private HashSet<string>? _namespaces;

    /// <summary>
    /// Points the subject at the profile's current state, for one evaluation pass at <paramref name="now"/>.
    /// Nothing is computed here: events, stats and traits are projected on first use in the pass, so a
    /// pass whose segments read none of them (or a catalogue with no segment for this change) costs nothing
    /// per event on the timeline.
    /// </summary>
    public ProfileSegmentSubject Reset(ProfileState state, ProfileStats stats, DateTimeOffset now)
    {
        _state = state;
        _statsSource = stats;
        _now = now;
        _eventsProjected = false;
        _stats = null;
        _traits = null;
        _namespaces = null;
        return this;
    }

    public JsonElement Traits => _traits ??= JsonSerializer.SerializeToElement(_state.Traits.ToJson());

    public IReadOnlyList<SegmentEvent> Events
    {
        get
        {
            if (!_eventsProjected)
            {
                _events.Clear();
                foreach (var e in _state.Events) _events.Add(Project(e));
                if (_attributes.Count > 2 * Math.Max(16, _state.Events.Count)) Prune(_state.Events);
                _eventsProjected = true;
            }

            return _events;
        }
    }

    public ProfileStatsView Stats => _stats ??= new ProfileStatsView
    {
        EventCount = _statsSource.EventCount,
        PurchaseCount = _statsSource.PurchaseCount,
        LifetimeRevenue = _statsSource.LifetimeRevenue,
        FirstSeen = _statsSource.FirstSeen,
        LastSeen = _statsSource.LastSeen,
        LastPurchaseAt = _statsSource.LastPurchaseAt,
        MostEngagedChannel = _statsSource.MostEngagedChannel(_now),
    };

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
