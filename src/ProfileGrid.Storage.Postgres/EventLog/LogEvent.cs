namespace ProfileGrid.Storage.Postgres.EventLog;

/// <summary>
/// An accepted event as the log stores it. Identities are stored as given: validating and
/// normalising them (case, blocked values) is the ingestion layer's job, done before appending.
/// </summary>
public sealed record LogEvent
{
    /// <summary>The producer's id; the log keeps one event per id for ever.</summary>
    public required string EventId { get; init; }

    /// <summary>The event type, e.g. <c>productView</c> or <c>purchase</c>.</summary>
    public required string Type { get; init; }

    /// <summary>When the event happened, per its producer. Stored in UTC.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The identities the event carried; duplicates are stored once.</summary>
    public IReadOnlyList<EventIdentity> Identities { get; init; } = [];

    public string? Channel { get; init; }

    public string? Campaign { get; init; }

    public double? Revenue { get; init; }

    /// <summary>
    /// The event's attributes as a JSON document. Stored as <c>jsonb</c>, so it reads back
    /// semantically equal but not byte for byte (key order and whitespace are PostgreSQL's).
    /// </summary>
    public string? AttributesJson { get; init; }

    /// <summary>The full event as accepted, as a JSON document (stored as <c>jsonb</c>).</summary>
    public string? PayloadJson { get; init; }
}

/// <summary>An identity an event carried: <c>(namespace, value)</c>, e.g. <c>(email, sarah@example.com)</c>.</summary>
public readonly record struct EventIdentity(string Namespace, string Value);

/// <summary>What <see cref="PostgresEventLog.AppendAsync"/> did with one event.</summary>
public enum AppendOutcome
{
    /// <summary>The event is new and is now durably stored.</summary>
    Appended,

    /// <summary>An event with the same id was already stored and applied (or came earlier in the same append); nothing changed.</summary>
    Duplicate,

    /// <summary>
    /// An event with the same id was stored earlier but its application was never confirmed with
    /// <see cref="PostgresEventLog.MarkAppliedAsync"/>: its writer may have died before updating the
    /// profile. Nothing was stored; the caller should apply it (idempotently).
    /// </summary>
    Pending,
}

/// <summary>An event read back from the log.</summary>
/// <param name="Sequence">Its place in the replay order.</param>
/// <param name="ReceivedAt">When the log stored it.</param>
/// <param name="Event">The event.</param>
public sealed record StoredEvent(long Sequence, DateTimeOffset ReceivedAt, LogEvent Event);

/// <summary>Counters of one <see cref="PostgresEventLog"/> instance since it was created.</summary>
/// <param name="Flushes">Transactions (one round trip each) that wrote appended events.</param>
/// <param name="FailedFlushes">Flushes that failed; their callers received the exception.</param>
/// <param name="EventsAppended">Events stored.</param>
/// <param name="DuplicatesDetected">Events answered <see cref="AppendOutcome.Duplicate"/>.</param>
public sealed record EventLogStatistics(long Flushes, long FailedFlushes, long EventsAppended, long DuplicatesDetected);
