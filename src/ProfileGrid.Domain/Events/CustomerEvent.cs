namespace ProfileGrid.Events;

/// <summary>
/// An accepted event: a fact, stored as it came with the normalised identities it carried.
/// Profiles are derived from these.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CustomerEvent
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Type { get; init; }
    [Id(2)] public required DateTimeOffset Timestamp { get; init; }
    [Id(3)] public required ImmutableArray<Identity.IdentityKey> Identities { get; init; }
    [Id(4)] public string? Channel { get; init; }
    [Id(5)] public string? Campaign { get; init; }
    [Id(6)] public double? Revenue { get; init; }
    /// <summary>JSON object text, or null when the event had no attributes.</summary>
    [Id(7)] public string? AttributesJson { get; init; }
    /// <summary>When the grid accepted it.</summary>
    [Id(8)] public DateTimeOffset ReceivedAt { get; init; }
}
