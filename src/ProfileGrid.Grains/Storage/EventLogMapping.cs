using ProfileGrid.Storage.Postgres.EventLog;

namespace ProfileGrid.Storage;

/// <summary>
/// Accepted events to and from the PostgreSQL event log. The log keeps the normalised identities
/// the event was accepted with, so a replayed event is stitched exactly as the original was.
/// </summary>
public static class EventLogMapping
{
    public static LogEvent ToLog(CustomerEvent e) => new()
    {
        EventId = e.Id,
        Type = e.Type,
        Timestamp = e.Timestamp,
        Identities = [.. e.Identities.Select(i => new EventIdentity(i.Namespace, i.Value))],
        Channel = e.Channel,
        Campaign = e.Campaign,
        Revenue = e.Revenue,
        AttributesJson = e.AttributesJson,
    };

    /// <summary>
    /// The event as the log holds it. <see cref="CustomerEvent.ReceivedAt"/> becomes the time the log
    /// stored it, and attributes come back as PostgreSQL's jsonb text (equal as JSON, not byte for byte).
    /// </summary>
    public static CustomerEvent FromLog(StoredEvent stored) => new()
    {
        Id = stored.Event.EventId,
        Type = stored.Event.Type,
        Timestamp = stored.Event.Timestamp,
        Identities = [.. stored.Event.Identities.Select(i => new IdentityKey(i.Namespace, i.Value))],
        Channel = stored.Event.Channel,
        Campaign = stored.Event.Campaign,
        Revenue = stored.Event.Revenue,
        AttributesJson = stored.Event.AttributesJson,
        ReceivedAt = stored.ReceivedAt,
    };
}
