using System.Text;
using System.Text.Json;

namespace ProfileGrid.Storage.Postgres.EventLog;

/// <summary>
/// Rejects, before it joins a group commit, anything PostgreSQL would refuse: one bad event must
/// not fail the other callers' events flushed in the same transaction.
/// </summary>
internal static class LogEventValidator
{
    public static void Validate(LogEvent logEvent, int index, int maxKeyLength)
    {
        if (logEvent is null)
        {
            throw new ArgumentException($"Event [{index}] is null.", "events");
        }

        Key(logEvent.EventId, "eventId", logEvent, index, maxKeyLength);
        Text(logEvent.Type, "type", logEvent, index, required: true);
        Text(logEvent.Channel, "channel", logEvent, index, required: false);
        Text(logEvent.Campaign, "campaign", logEvent, index, required: false);

        if (logEvent.Identities is null)
        {
            throw Invalid(logEvent, index, "identities", "must not be null (use an empty list)");
        }

        foreach (var identity in logEvent.Identities)
        {
            Key(identity.Namespace, "identities.namespace", logEvent, index, maxKeyLength);
            Key(identity.Value, "identities.value", logEvent, index, maxKeyLength);
        }

        Json(logEvent.AttributesJson, "attributes", logEvent, index);
        Json(logEvent.PayloadJson, "payload", logEvent, index);
    }

    private static void Key(string? value, string field, LogEvent logEvent, int index, int maxKeyLength)
    {
        Text(value, field, logEvent, index, required: true);
        if (value!.Length > maxKeyLength)
        {
            throw Invalid(logEvent, index, field, $"is {value.Length} characters long; at most {maxKeyLength} are accepted");
        }
    }

    private static void Text(string? value, string field, LogEvent logEvent, int index, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                throw Invalid(logEvent, index, field, "is required");
            }

            return;
        }

        if (required && value.Length == 0)
        {
            throw Invalid(logEvent, index, field, "must not be empty");
        }

        if (!IsStorable(value))
        {
            throw Invalid(logEvent, index, field, "contains a NUL character or an unpaired UTF-16 surrogate");
        }
    }

    private static void Json(string? json, string field, LogEvent logEvent, int index)
    {
        if (json is not null && JsonProblem(json) is { } rule)
        {
            throw Invalid(logEvent, index, field, rule);
        }
    }

    /// <summary>Why PostgreSQL jsonb would refuse <paramref name="json"/>, or null when it can be stored.</summary>
    public static string? JsonProblem(string json)
    {
        if (!IsStorable(json))
        {
            return "contains a NUL character or an unpaired UTF-16 surrogate";
        }

        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            while (reader.Read())
            {
                // jsonb refuses \u0000 and lone surrogates written as escapes.
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName
                    && reader.ValueIsEscaped
                    && !IsStorable(reader.GetString()!))
                {
                    return "contains an escaped U+0000 or unpaired surrogate, which PostgreSQL jsonb cannot store";
                }
            }
        }
        catch (JsonException e)
        {
            return $"is not valid JSON ({e.Message})";
        }
        catch (InvalidOperationException)
        {
            return "contains an escaped unpaired surrogate, which PostgreSQL jsonb cannot store";
        }

        return null;
    }

    public static bool IsStorable(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    private static ArgumentException Invalid(LogEvent logEvent, int index, string field, string rule) =>
        new($"Event [{index}] (eventId '{logEvent.EventId}'): {field} {rule}.", "events");
}
