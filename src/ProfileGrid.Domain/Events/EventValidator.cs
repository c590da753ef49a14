using System.Globalization;
using System.Text.RegularExpressions;
using ProfileGrid.Identity;

namespace ProfileGrid.Events;

/// <summary>Ingestion limits, bound from <c>ProfileGrid:Ingestion</c>.</summary>
public sealed class IngestionOptions
{
    public const string Section = "ProfileGrid:Ingestion";

    /// <summary>Largest event accepted, in bytes of its JSON.</summary>
    public int MaxEventBytes { get; set; } = 10 * 1024;

    /// <summary>Most identities one event may carry.</summary>
    public int MaxIdentitiesPerEvent { get; set; } = 20;

    /// <summary>How far in the future a timestamp may be (clock skew of the sender).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most events in one request (HTTP bulk or GraphQL).</summary>
    public int MaxEventsPerRequest { get; set; } = 10_000;

    /// <summary>Largest bulk request body, in bytes.</summary>
    public long MaxRequestBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Longest event id or type, in characters.</summary>
    public int MaxIdLength { get; set; } = 256;

    /// <summary>
    /// How long <c>POST /v1/events</c> waits for the grid to acknowledge a batch (sending its calls again meanwhile
    /// when a silo dies under them) before it answers 503; Orleans' own response timeout is 30 s.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = DefaultMaxWait;

    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan LongestMaxWait = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Turns a <see cref="RawEvent"/> into a <see cref="CustomerEvent"/> or a reason naming the field and
/// the rule. Validation never throws for bad input: a batch with bad events still accepts the good ones.
/// </summary>
public sealed partial class EventValidator(IngestionOptions options, IdentityRules rules, TimeProvider time)
{
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)+$")]
    private static partial Regex DottedName();

    /// <summary>
    /// The shape of an ISO-8601 / RFC 3339 date-time (date, optional time, optional offset). Checked before
    /// parsing because the culture-invariant parser also takes <c>03/04/2026</c> and reads it as 4 March.
    /// </summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$")]
    private static partial Regex IsoDateTime();

    public IngestionOptions Options => options;

    public bool TryValidate(RawEvent raw, out CustomerEvent accepted, out string reason)
    {
        accepted = null!;
        reason = Check(raw, out var timestamp, out var identities) ?? "";
        if (reason.Length > 0) return false;
        accepted = new CustomerEvent
        {
            Id = raw.Id!.Trim(),
            Type = raw.Type!.Trim(),
            Timestamp = timestamp,
            Identities = identities,
            Channel = string.IsNullOrWhiteSpace(raw.Channel) ? null : raw.Channel.Trim(),
            Campaign = string.IsNullOrWhiteSpace(raw.Campaign) ? null : raw.Campaign.Trim(),
            Revenue = raw.Revenue,
            AttributesJson = raw.AttributesJson,
            ReceivedAt = time.GetUtcNow(),
        };
        return true;
    }

    private string? Check(RawEvent raw, out DateTimeOffset timestamp, out ImmutableArray<IdentityKey> identities)
    {
        timestamp = default;
        identities = [];
        if (string.IsNullOrWhiteSpace(raw.Id)) return "id: required";
        if (raw.Id.Trim().Length > options.MaxIdLength) return $"id: longer than {options.MaxIdLength} characters";
        if (raw.SizeBytes > options.MaxEventBytes)
            return $"event: {raw.SizeBytes} bytes, over the limit of {options.MaxEventBytes} bytes (ProfileGrid:Ingestion:MaxEventBytes)";
        if (string.IsNullOrWhiteSpace(raw.Type)) return "type: required";
        var type = raw.Type.Trim();
        if (type.Length > options.MaxIdLength) return $"type: longer than {options.MaxIdLength} characters";
        if (!DottedName().IsMatch(type)) return $"type: '{type}' is not a dotted name such as commerce.purchase";

        if (string.IsNullOrWhiteSpace(raw.Timestamp)) return "timestamp: required";
        if (!IsoDateTime().IsMatch(raw.Timestamp.Trim())
            || !DateTimeOffset.TryParse(raw.Timestamp, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp))
            return $"timestamp: '{raw.Timestamp}' is not an ISO-8601 date-time";
        var latest = time.GetUtcNow() + options.MaxFutureSkew;
        if (timestamp > latest)
            return $"timestamp: {timestamp:O} is more than {options.MaxFutureSkew} in the future (ProfileGrid:Ingestion:MaxFutureSkew)";

        if (raw.Identities.IsDefaultOrEmpty) return "identities: at least one identity is required";
        if (raw.Identities.Length > options.MaxIdentitiesPerEvent)
            return $"identities: {raw.Identities.Length} identities, over the limit of {options.MaxIdentitiesPerEvent} (ProfileGrid:Ingestion:MaxIdentitiesPerEvent)";
        var keys = new List<IdentityKey>(raw.Identities.Length);
        for (var i = 0; i < raw.Identities.Length; i++)
        {
            var identity = raw.Identities[i];
            if (identity is null) return $"identities[{i}]: null";
            if (!rules.TryNormalize(identity.Namespace, identity.Id, out var key, out var error))
                return $"identities[{i}]: {error}";
            if (!keys.Contains(key)) keys.Add(key);
        }
        // Two different values of a unique namespace: reported with every value of that namespace (a handful of keys).
        foreach (var key in keys)
        {
            if (!rules.IsUnique(key)) continue;
            var count = 0;
            foreach (var other in keys) if (other.Namespace == key.Namespace) count++;
            if (count > 1)
            {
                var values = keys.Where(k => k.Namespace == key.Namespace).Select(k => k.Value);
                return $"identities: {count} different {key.Namespace} values ({string.Join(", ", values)}) in one event; {key.Namespace} is unique";
            }
        }
        identities = [.. keys];

        if (raw.Revenue is { } revenue && !double.IsFinite(revenue)) return "revenue: not a finite number";
        if (raw.AttributesJson is not null)
        {
            try
            {
                using var doc = JsonDocument.Parse(raw.AttributesJson);
                if (doc.RootElement.ValueKind == JsonValueKind.Null) return null;
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    return $"attributes: must be a JSON object, not {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}";
            }
            catch (JsonException e)
            {
                return $"attributes: not valid JSON ({e.Message})";
            }
        }
        return null;
    }
}
