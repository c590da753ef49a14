namespace ProfileGrid.Events;

/// <summary>
/// An event as a caller sent it, before validation: every field may be missing or malformed, so
/// that validation can name the field and the rule instead of failing the whole batch.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RawEvent
{
    [Id(0)] public string? Id { get; init; }
    [Id(1)] public string? Type { get; init; }
    /// <summary>ISO-8601 timestamp as sent; parsed by <see cref="EventValidator"/>.</summary>
    [Id(2)] public string? Timestamp { get; init; }
    [Id(3)] public ImmutableArray<RawIdentity> Identities { get; init; } = [];
    [Id(4)] public string? Channel { get; init; }
    [Id(5)] public string? Campaign { get; init; }
    [Id(6)] public double? Revenue { get; init; }
    /// <summary>The attributes as raw JSON text; must be a JSON object when present.</summary>
    [Id(7)] public string? AttributesJson { get; init; }
    /// <summary>Size in bytes of the event as received (UTF-8), for the size limit.</summary>
    [Id(8)] public int SizeBytes { get; init; }
}

/// <summary>An identity as sent: not yet normalised or validated.</summary>
[GenerateSerializer, Immutable]
public sealed record RawIdentity([property: Id(0)] string? Namespace, [property: Id(1)] string? Id);
