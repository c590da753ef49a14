using System.Buffers;
using ProfileGrid.Events;

namespace ProfileGrid.Demo.Generation;

/// <summary>Identity constructors for the namespaces the demo uses.</summary>
internal static class Ids
{
    public static RawIdentity Crm(string value) => new("crmId", value);
    public static RawIdentity Loyalty(string value) => new("loyaltyId", value);
    public static RawIdentity Email(string value) => new("email", value);
    public static RawIdentity Phone(string value) => new("phone", value);
    public static RawIdentity Ecid(string value) => new("ecid", value);
}

/// <summary>
/// Collects events as "seconds before now" and turns them into <see cref="RawEvent"/>s ordered by
/// timestamp. Working in offsets keeps the order (and so the event ids) independent of <c>now</c>.
/// </summary>
internal sealed class Timeline(DateTimeOffset now)
{
    /// <summary>No event is closer to now than this.</summary>
    public const long MinAgoSeconds = 60;

    private readonly List<Draft> _drafts = [];

    /// <summary><c>now</c> truncated to whole seconds, in UTC: every timestamp is origin minus an offset.</summary>
    public DateTimeOffset Origin { get; } =
        new(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    public int Count => _drafts.Count;

    public static long Ago(int days = 0, int hours = 0, int minutes = 0, int seconds = 0) =>
        ((days * 24L + hours) * 60 + minutes) * 60 + seconds;

    public DateTimeOffset At(long agoSeconds) => Origin.AddSeconds(-agoSeconds);

    public static string Iso(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public void Add(long ago, string type, string channel, RawIdentity[] identities,
        JsonObj? attributes = null, string? campaign = null, double? revenue = null)
    {
        if (ago < MinAgoSeconds)
            throw new InvalidOperationException($"A {type} event {ago}s before now is too recent (minimum {MinAgoSeconds}s).");
        if (identities.Length == 0) throw new InvalidOperationException($"A {type} event without identities.");
        _drafts.Add(new Draft(ago, _drafts.Count, type, channel, campaign, revenue, attributes?.ToString(), [.. identities]));
    }

    public IReadOnlyList<RawEvent> Build()
    {
        var ordered = _drafts.OrderByDescending(d => d.Ago).ThenBy(d => d.Sequence);
        var events = new List<RawEvent>(_drafts.Count);
        foreach (var draft in ordered)
        {
            var rawEvent = new RawEvent
            {
                Id = $"luma-{events.Count + 1:D6}",
                Type = draft.Type,
                Timestamp = Iso(At(draft.Ago)),
                Identities = draft.Identities,
                Channel = draft.Channel,
                Campaign = draft.Campaign,
                Revenue = draft.Revenue,
                AttributesJson = draft.Attributes,
            };
            events.Add(rawEvent with { SizeBytes = Utf8Size(rawEvent) });
        }
        return events;
    }

    /// <summary>The UTF-8 size of the event rendered as the JSON object a client would send.</summary>
    internal static int Utf8Size(RawEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, JsonObj.Options))
        {
            w.WriteStartObject();
            w.WriteString("id", e.Id);
            w.WriteString("type", e.Type);
            w.WriteString("timestamp", e.Timestamp);
            w.WriteStartArray("identities");
            foreach (var identity in e.Identities)
            {
                w.WriteStartObject();
                w.WriteString("namespace", identity.Namespace);
                w.WriteString("id", identity.Id);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (e.Channel is not null) w.WriteString("channel", e.Channel);
            if (e.Campaign is not null) w.WriteString("campaign", e.Campaign);
            if (e.Revenue is { } revenue) w.WriteNumber("revenue", revenue);
            if (e.AttributesJson is not null)
            {
                w.WritePropertyName("attributes");
                w.WriteRawValue(e.AttributesJson);
            }
            w.WriteEndObject();
        }
        return buffer.WrittenCount;
    }

    private sealed record Draft(long Ago, int Sequence, string Type, string Channel, string? Campaign,
        double? Revenue, string? Attributes, ImmutableArray<RawIdentity> Identities);
}
