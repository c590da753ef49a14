using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProfileGrid.GraphQL.Ingestion;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.Ingestion;

namespace ProfileGrid.GraphQL.Apis;

/// <summary>
/// <c>POST /v1/events</c>: bulk ingestion of a JSON array (<c>application/json</c>) or of one JSON
/// object per line (<c>application/x-ndjson</c>). A body that is not JSON at all is a 400 with the
/// position; an event with a bad field is rejected on its own and the others are accepted.
/// </summary>
public static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/events", Ingest);
        return routes;
    }

    private static async Task<IResult> Ingest(HttpContext http, ProfileGridGateway gateway, IOptions<IngestionOptions> options)
    {
        var limit = options.Value.MaxRequestBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        if (http.Request.ContentLength > limit)
            return Problem(StatusCodes.Status413PayloadTooLarge, $"body: {http.Request.ContentLength} bytes, over the limit of {limit} (ProfileGrid:Ingestion:MaxRequestBytes)");

        var mediaType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var ndjson = mediaType is "application/x-ndjson" or "application/ndjson" or "application/jsonl";
        if (!ndjson && mediaType is not ("application/json" or null or ""))
            return Problem(StatusCodes.Status415UnsupportedMediaType, $"content-type: '{mediaType}' is not supported (use application/json with an array, or application/x-ndjson)");

        // The body goes into a pooled buffer and is parsed in place: a batch of 500 events is about 150 KB,
        // and a growing MemoryStream plus its copy put some 0.5 MB per request on the large object heap,
        // which only a full collection frees.
        PooledBody body;
        try
        {
            body = await PooledBody.ReadAsync(http.Request.Body, http.Request.ContentLength, http.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, $"body: over the limit of {limit} bytes (ProfileGrid:Ingestion:MaxRequestBytes)");
        }

        var rejected = new List<RejectedEvent>();
        List<RawEvent> raws;
        List<int> indexes;
        JsonDocument? document = null;
        try
        {
            List<(int Index, JsonElement Element)> elements;
            try
            {
                (document, elements) = ndjson ? (null, ParseNdjson(body.Memory.Span)) : ParseArray(body.Memory);
            }
            catch (BodyFormatException e)
            {
                return Problem(StatusCodes.Status400BadRequest, e.Message);
            }
            if (elements.Count > options.Value.MaxEventsPerRequest)
                return Problem(StatusCodes.Status413PayloadTooLarge, $"body: {elements.Count} events, over the limit of {options.Value.MaxEventsPerRequest} (ProfileGrid:Ingestion:MaxEventsPerRequest)");

            // Everything an event needs is copied out of the document here; nothing refers to the buffer after.
            raws = new List<RawEvent>(elements.Count);
            indexes = new List<int>(elements.Count);
            foreach (var (index, element) in elements)
            {
                if (EventJson.TryRead(element, out var raw, out var reason)) { raws.Add(raw); indexes.Add(index); }
                else rejected.Add(new RejectedEvent(index, EventJson.IdOf(element), reason));
            }
        }
        finally
        {
            document?.Dispose();
            body.Dispose();
        }

        var result = new IngestResult(0, 0, [], []);
        if (raws.Count > 0)
        {
            // Sent again meanwhile when a silo dies under it; past the wait (IngestionOptions.MaxWait) the answer is 503.
            var wait = options.Value.MaxWait;
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            patience.CancelAfter(wait);
            try
            {
                result = await gateway.Ingest([.. raws], patience.Token);
            }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable,
                    $"the grid did not acknowledge the batch within {wait} ({IngestionOptions.Section}:MaxWait); some of its events may have been applied: sending the same batch again is safe (events are idempotent by id)");
            }
        }
        rejected.AddRange(result.Rejected.Select(r => r with { Index = r.Index < 0 ? r.Index : indexes[r.Index] }));
        var warnings = result.Warnings.Select(w => w with { Index = indexes[w.Index] });
        return Results.Json(new
        {
            accepted = result.Accepted,
            duplicates = result.Duplicates,
            rejected = rejected.OrderBy(r => r.Index).Select(r => new { index = r.Index, eventId = r.EventId, reason = r.Reason }),
            warnings = warnings.Select(w => new { index = w.Index, eventId = w.EventId, message = w.Message }),
        }, Json);
    }

    private static (JsonDocument, List<(int, JsonElement)>) ParseArray(ReadOnlyMemory<byte> body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new BodyFormatException($"body: not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}");
        }
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object) return (doc, [(0, root)]);
        if (root.ValueKind != JsonValueKind.Array)
        {
            var found = root.ValueKind.ToString().ToLowerInvariant();
            doc.Dispose();
            throw new BodyFormatException($"body: expected a JSON array of events (or NDJSON with content-type application/x-ndjson), found {found}");
        }
        return (doc, root.EnumerateArray().Select((e, i) => (i, e)).ToList());
    }

    private static List<(int, JsonElement)> ParseNdjson(ReadOnlySpan<byte> body)
    {
        var result = new List<(int, JsonElement)>();
        var text = Encoding.UTF8.GetString(body);
        var lines = text.Split('\n');
        for (var line = 0; line < lines.Length; line++)
        {
            var content = lines[line].Trim();
            if (content.Length == 0) continue;
            try
            {
                using var doc = JsonDocument.Parse(content);
                result.Add((result.Count, doc.RootElement.Clone()));
            }
            catch (JsonException e)
            {
                throw new BodyFormatException($"body: line {line + 1} is not valid JSON at byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}");
            }
        }
        return result;
    }

    private static string FirstSentence(string message) => message.Split(" LineNumber")[0].TrimEnd();

    private static IResult Problem(int status, string message) =>
        Results.Json(new { error = message }, Json, statusCode: status);

    /// <summary>Readable output: reasons quote values (<c>'x'</c>) and phones start with <c>+</c>; nothing here is embedded in HTML.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private sealed class BodyFormatException(string message) : Exception(message);
}

/// <summary>Reads one event of the bulk API's JSON, naming the field when its JSON type is wrong.</summary>
public static class EventJson
{
    public static string? IdOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    public static bool TryRead(JsonElement element, out RawEvent raw, out string reason)
    {
        raw = null!;
        reason = "";
        if (element.ValueKind != JsonValueKind.Object) { reason = $"event: must be a JSON object, not {element.ValueKind.ToString().ToLowerInvariant()}"; return false; }

        string? Text(string name)
        {
            if (!element.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            return v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number when name == "id" => v.GetRawText(),
                _ => throw new FieldException($"{name}: must be a string, not {v.ValueKind.ToString().ToLowerInvariant()}"),
            };
        }

        try
        {
            double? revenue = null;
            if (element.TryGetProperty("revenue", out var r) && r.ValueKind != JsonValueKind.Null)
                revenue = r.ValueKind == JsonValueKind.Number ? r.GetDouble() : throw new FieldException("revenue: must be a number");
            var identities = ImmutableArray<RawIdentity>.Empty;
            if (element.TryGetProperty("identities", out var ids) && ids.ValueKind != JsonValueKind.Null)
            {
                if (ids.ValueKind != JsonValueKind.Array) throw new FieldException("identities: must be an array of {namespace, id}");
                var read = new RawIdentity[ids.GetArrayLength()];
                var n = 0;
                foreach (var identity in ids.EnumerateArray())
                {
                    if (identity.ValueKind != JsonValueKind.Object) throw new FieldException($"identities[{n}]: must be an object {{namespace, id}}");
                    string? Part(string name) => identity.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String
                        ? (name == "namespace" ? KnownNamespace(p) : null) ?? p.GetString()
                        : identity.TryGetProperty(name, out p) && p.ValueKind == JsonValueKind.Number ? p.GetRawText() : null;
                    read[n++] = new RawIdentity(Part("namespace"), Part("id"));
                }
                identities = ImmutableCollectionsMarshal.AsImmutableArray(read);
            }
            string? attributes = null;
            if (element.TryGetProperty("attributes", out var a) && a.ValueKind != JsonValueKind.Null) attributes = a.GetRawText();
            raw = new RawEvent
            {
                Id = Text("id"), Type = Text("type"), Timestamp = Text("timestamp"),
                Identities = identities, Channel = Text("channel"), Campaign = Text("campaign"),
                Revenue = revenue, AttributesJson = attributes,
                // The event's own bytes in the body, without copying them out as text.
                SizeBytes = JsonMarshal.GetRawUtf8Value(element).Length,
            };
            return true;
        }
        catch (FieldException e)
        {
            reason = e.Message;
            return false;
        }
    }

    // The namespaces most events carry, as one string each rather than one per identity read.
    private static readonly string[] CommonNamespaces = ["email", "ecid", "phone", "crmId", "loyaltyId"];

    private static string? KnownNamespace(JsonElement value)
    {
        foreach (var known in CommonNamespaces)
            if (value.ValueEquals(known)) return known;
        return null;
    }

    private sealed class FieldException(string message) : Exception(message);
}
