namespace ProfileGrid.Identity;

/// <summary>
/// A fact: two identities arrived together in one event. <see cref="At"/> is the event's time and
/// <see cref="SourceEventId"/> the event, so the link history answers who linked what, when, from which event.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IdentityLink(
    [property: Id(0)] IdentityKey From,
    [property: Id(1)] IdentityKey To,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string SourceEventId)
{
    public bool Touches(IdentityKey key) => From.Equals(key) || To.Equals(key);

    public IdentityKey Other(IdentityKey key) => From.Equals(key) ? To : From;

    public bool SamePair(IdentityKey a, IdentityKey b) =>
        (From.Equals(a) && To.Equals(b)) || (From.Equals(b) && To.Equals(a));
}
