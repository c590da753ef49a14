using ProfileGrid.Events;

namespace ProfileGrid.Demo;

/// <summary>
/// A generated demo dataset: raw events ordered by timestamp (oldest first) and trait records as a
/// CRM or loyalty system would deliver them.
/// </summary>
public sealed record DemoDataset(IReadOnlyList<RawEvent> Events, IReadOnlyList<DemoTraits> Traits);

/// <summary>
/// Profile attributes known for one identity (for example a CRM record keyed by <c>crmId</c>), as a
/// JSON object, observed at <paramref name="ObservedAt"/>.
/// </summary>
public sealed record DemoTraits(string Namespace, string Id, string TraitsJson, DateTimeOffset ObservedAt);
