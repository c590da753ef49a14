using System.Net.Http.Headers;
using System.Text;

namespace ProfileGrid.Deployment.Tests.Processes;

/// <summary>The two calls the process tests make over HTTP: bulk ingestion and a profile lookup.</summary>
internal static class GridApi
{
    public static string Event(string id, string email, DateTimeOffset at) =>
        $$"""{"id":"{{id}}","type":"web.pageView","timestamp":"{{at:O}}","channel":"web","identities":[{"namespace":"email","id":"{{email}}"}]}""";

    /// <summary>Posts a batch; null when every event was acknowledged (accepted now or before) and none rejected, else why not.</summary>
    public static async Task<string?> IngestAsync(HttpClient client, Uri host, IReadOnlyCollection<string> events, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent("[" + string.Join(",", events) + "]", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(host, "/v1/events"), content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK) return $"{(int)response.StatusCode}: {text}";
        var body = JsonNode.Parse(text)!;
        var acknowledged = body["rejected"]!.AsArray().Count == 0
            && body["accepted"]!.GetValue<int>() + body["duplicates"]!.GetValue<int>() == events.Count;
        return acknowledged ? null : text;
    }

    /// <summary>The profile of an email: its event ids (newest first, up to 1000) and event count; null when the lookup failed or found nobody.</summary>
    public static async Task<(List<string> EventIds, int EventCount)?> LookupAsync(HttpClient client, Uri host, string email, CancellationToken cancellationToken = default)
    {
        var (status, body) = await LookupRawAsync(client, host, email, cancellationToken);
        return ProfileOf(status, body);
    }

    /// <summary>What <see cref="LookupAsync"/> makes of a lookup's status and body.</summary>
    public static (List<string> EventIds, int EventCount)? ProfileOf(HttpStatusCode status, JsonNode body)
    {
        if (status != HttpStatusCode.OK) return null;
        if (body["errors"] is not null || body["data"]?["profile"] is not JsonObject profile) return null;
        return (profile["events"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()).ToList(), profile["stats"]!["eventCount"]!.GetValue<int>());
    }

    /// <summary>The lookup's status and body as they came, for failure messages.</summary>
    public static async Task<(HttpStatusCode Status, JsonNode Body)> LookupRawAsync(HttpClient client, Uri host, string email, CancellationToken cancellationToken = default)
    {
        var request = new JsonObject
        {
            ["query"] = "query($id: String!) { profile(namespace: \"email\", id: $id) { stats { eventCount } events(last: 1000) { id } } }",
            ["variables"] = new JsonObject { ["id"] = email },
        };
        using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(new Uri(host, "/graphql"), content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode body;
        try
        {
            body = JsonNode.Parse(text) ?? new JsonObject();
        }
        catch (System.Text.Json.JsonException)
        {
            body = new JsonObject { ["raw"] = text };
        }

        return (response.StatusCode, body);
    }
}
