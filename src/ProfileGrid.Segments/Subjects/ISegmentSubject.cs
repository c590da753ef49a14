namespace ProfileGrid.Segments;

/// <summary>
/// What a segment is evaluated against: one person's profile. An interface rather than a class so that the
/// profile grain can expose its own state without copying it for every evaluation.
/// </summary>
public interface ISegmentSubject
{
    /// <summary>
    /// The profile's traits as a JSON object (<c>traits.a.b</c> is a path into it); <c>default</c> when the profile
    /// has none. Traits are dynamically typed, so the evaluator inspects the JSON value kind at run time.
    /// </summary>
    JsonElement Traits { get; }

    /// <summary>
    /// The profile's events, preferably oldest first. Any order is correct; chronological order avoids a sort
    /// when a <c>sequence(...)</c> is evaluated. Ties are ordered by their position in this list.
    /// Passing a <see cref="List{T}"/> or an array lets the evaluator walk it without interface calls.
    /// </summary>
    IReadOnlyList<SegmentEvent> Events { get; }

    /// <summary>
    /// The events of one type, in their order in <see cref="Events"/>, when the subject keeps its events by type;
    /// null (the default) when it does not, and the evaluator then filters <see cref="Events"/>. A set of events
    /// whose filter can only match one type (<c>events where type = "x" and ...</c>) walks these alone, so a subject
    /// that evaluates many segments over one timeline (<see cref="SegmentEventTypeIndex{TSource}"/>) saves most of the walking.
    /// </summary>
    IReadOnlyList<SegmentEvent>? EventsOfType(string type) => null;

    /// <summary>
    /// Where each event of <see cref="EventsOfType"/> stands in <see cref="Events"/> (same order and count), or null
    /// (the default). With both, a <c>sequence(...)</c> whose steps are each pinned to a type walks the events of
    /// those types alone, in the same time order as the whole timeline (ties by position).
    /// </summary>
    IReadOnlyList<int>? PositionsOfType(string type) => null;

    /// <summary>The profile's computed statistics (<c>stats.&lt;name&gt;</c>).</summary>
    ProfileStatsView Stats { get; }

    /// <summary>Whether the person has at least one identity in the namespace (<c>hasIdentity("email")</c>).</summary>
    bool HasIdentityNamespace(string identityNamespace);

    /// <summary>
    /// Whether the person is currently a member of another segment (<c>inSegment("id")</c>). The caller evaluates
    /// segments in <see cref="SegmentCatalog.EvaluationOrder"/> so that this answer is already up to date.
    /// </summary>
    bool IsInSegment(string segmentId);
}
