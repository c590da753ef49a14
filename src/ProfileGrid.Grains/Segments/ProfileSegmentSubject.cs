using System.Text.Json;

namespace ProfileGrid.Segments;

/// <summary>
/// A profile's state as the segment language sees it. An event's attributes are parsed the first time a
/// segment reads them and kept while the event is on the timeline (events are immutable); those of events
/// no condition reaches (another type, say) are never parsed nor held. Traits are serialised at most once
/// per evaluation pass, and only when a segment reads them. The events are projected, once per pass, into a
/// buffer of the thread rather than of the profile: a pass is synchronous, so an active profile holds no copy of
/// its timeline between passes. A segment whose events are all of one type reads only those, picked out and
/// projected once per pass into the thread's index (<see cref="EventsOfType"/>); the whole timeline is projected
/// only for a segment that reads events of any type.
/// </summary>
public sealed class ProfileSegmentSubject : ISegmentSubject, ISegmentAttributeParser
{
    // Keyed by the stored event's own attributes string: the same instance for as long as the event lives.
    private readonly Dictionary<string, JsonElement> _attributes = new(ReferenceEqualityComparer.Instance);
    // The projected timeline of the subject that projected last on this thread (see Events).
    [ThreadStatic] private static List<SegmentEvent>? t_events;
    [ThreadStatic] private static ProfileSegmentSubject? t_eventsOwner;
    // The events of each type a segment read, projected, for the subject that last pointed the index at its timeline.
    [ThreadStatic] private static SegmentEventTypeIndex<CustomerEvent>? t_byType;
    [ThreadStatic] private static ProfileSegmentSubject? t_byTypeOwner;
    /// <summary>A thread's buffer grown past this many events (a very long timeline) is replaced by a new one when a shorter timeline is projected next.</summary>
    private const int KeptBufferCapacity = 4_096;
    private ProfileState _state = new();
    private ProfileStats _statsSource = new();
    private DateTimeOffset _now;
    private bool _eventsProjected;
    private bool _byTypeReset;
    private readonly Func<CustomerEvent, SegmentEvent> _project;
    private ProfileStatsView? _stats;
    private JsonElement? _traits;
    private HashSet<string>? _namespaces;

    public ProfileSegmentSubject() => _project = Project;

    /// <summary>
    /// Points the subject at the profile's current state, for one evaluation pass at <paramref name="now"/>.
    /// Nothing is computed here: events, stats and traits are projected on first use in the pass, so a
    /// pass whose segments read none of them (or a catalogue with no segment for this change) costs nothing
    /// per event on the timeline.
    /// </summary>
    public ProfileSegmentSubject Reset(ProfileState state, ProfileStats stats, DateTimeOffset now)
    {
        // Attributes parsed for events that have left the timeline since are let go.
        if (_attributes.Count > 2 * Math.Max(16, state.Events.Count)) Prune(state.Events);
        _state = state;
        _statsSource = stats;
        _now = now;
        _eventsProjected = false;
        _byTypeReset = false;
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
            var events = t_events ??= [];
            // Projected again when another subject used the thread's buffer since (a later pass of another
            // profile: passes do not interleave, since none awaits).
            if (!_eventsProjected || !ReferenceEquals(t_eventsOwner, this))
            {
                if (events.Capacity > KeptBufferCapacity && _state.Events.Count <= KeptBufferCapacity) t_events = events = [];
                events.Clear();
                foreach (var e in _state.Events) events.Add(Project(e));
                t_eventsOwner = this;
                _eventsProjected = true;
            }

            return events;
        }
    }

    /// <summary>
    /// The projected events of one type: picked out once per pass, for every segment reading that type, without
    /// projecting the rest of the timeline. Picked out again when another subject used the thread's index since.
    /// </summary>
    public IReadOnlyList<SegmentEvent> EventsOfType(string type) => ByType().Of(type);

    /// <summary>Where each event of <see cref="EventsOfType"/> stands on the timeline (for sequences over a few types).</summary>
    public IReadOnlyList<int> PositionsOfType(string type) => ByType().PositionsOf(type);

    private SegmentEventTypeIndex<CustomerEvent> ByType()
    {
        var index = t_byType ??= new SegmentEventTypeIndex<CustomerEvent>(static e => e.Type);
        if (!_byTypeReset || !ReferenceEquals(t_byTypeOwner, this))
        {
            index.Reset(_state.Events, _project);
            t_byTypeOwner = this;
            _byTypeReset = true;
        }
        return index;
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

    public JsonElement Parse(string attributesJson)
    {
        if (!_attributes.TryGetValue(attributesJson, out var attributes))
        {
            using var document = JsonDocument.Parse(attributesJson);
            _attributes[attributesJson] = attributes = document.RootElement.Clone();
        }
        return attributes;
    }

    private SegmentEvent Project(CustomerEvent e) => e.AttributesJson is { } json
        ? new SegmentEvent(e.Type, e.Timestamp, e.Channel, e.Campaign, e.Revenue, json, this)
        : new SegmentEvent(e.Type, e.Timestamp, e.Channel, e.Campaign, e.Revenue);

    private void Prune(List<CustomerEvent> kept)
    {
        var live = kept.Select(e => e.AttributesJson).OfType<string>().ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var json in _attributes.Keys.Where(json => !live.Contains(json)).ToList()) _attributes.Remove(json);
    }
}
