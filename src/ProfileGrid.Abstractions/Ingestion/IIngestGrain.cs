namespace ProfileGrid.Ingestion;

/// <summary>One event of a batch that was not accepted.</summary>
[GenerateSerializer, Immutable]
public sealed record RejectedEvent(
    [property: Id(0)] int Index,
    [property: Id(1)] string? EventId,
    [property: Id(2)] string Reason);

/// <summary>
/// The answer to an ingestion request. <see cref="Warnings"/> reports limits that were hit and links
/// that were not applied (no silent caps).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IngestResult(
    [property: Id(0)] int Accepted,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] ImmutableArray<RejectedEvent> Rejected,
    [property: Id(3)] ImmutableArray<IngestWarning> Warnings);

/// <summary>Something the caller should know about an accepted event.</summary>
[GenerateSerializer, Immutable]
public sealed record IngestWarning(
    [property: Id(0)] int Index,
    [property: Id(1)] string EventId,
    [property: Id(2)] string Message);

/// <summary>
/// The entry point for writes: validates, de-duplicates by event id, and stitches each event into
/// the right profile. A stateless worker, so every silo runs it locally and in parallel.
/// </summary>
public interface IIngestGrain : IGrainWithIntegerKey
{
    /// <summary>Ingests a batch; good events are accepted even when others are rejected.</summary>
    Task<IngestResult> Ingest(ImmutableArray<RawEvent> events);

    /// <summary>Upserts traits for the person holding an identity (creating the person when new).</summary>
    Task<string> SetTraits(IdentityKey identity, string traitsJson, DateTimeOffset observedAt);

    /// <summary>Removes an identity's links; returns the profile that holds it afterwards, or null when unknown.</summary>
    Task<string?> Unlink(IdentityKey identity);
}

/// <summary>
/// Remembers every accepted event id, for ever, sharded by a hash of the id. Claiming an id is the
/// moment an event stops being new.
/// </summary>
public interface IEventIdShardGrain : IGrainWithIntegerKey
{
    /// <summary>Claims ids; the result says per id whether it was new (true) or seen before.</summary>
    Task<bool[]> TryClaim(ImmutableArray<string> eventIds);

    /// <summary>Forgets ids whose events could not be applied, so a retry is not taken for a duplicate.</summary>
    Task Release(ImmutableArray<string> eventIds);
}
