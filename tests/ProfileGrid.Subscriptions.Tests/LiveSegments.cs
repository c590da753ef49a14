using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>Drives the real segments API over HTTP: define a segment, ingest events, look people up.</summary>
internal static class LiveSegments
{
    public static async Task<JsonObject> GraphQL(this GridHost host, string query, object? variables = null)
    {
        using var response = await host.Http.PostAsJsonAsync("/graphql", new { query, variables });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}: {body}");
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.True(json["errors"] is null, $"GraphQL errors: {json["errors"]}");
        return json["data"]!.AsObject();
    }

    /// <summary>Defines a segment that everyone with one event of <paramref name="eventType"/> is in.</summary>
    public static Task DefineSegment(this GridHost host, string segmentId, string eventType) => host.GraphQL(
        "mutation($input: SegmentInput!) { defineSegment(input: $input) { id } }",
        new { input = new { id = segmentId, name = $"people with {eventType}", expression = $"exists(events where type = \"{eventType}\")" } });

    /// <summary>Waits until the silo's own copy of the segment catalogue has <paramref name="segmentId"/>, so its profiles evaluate it.</summary>
    public static async Task WaitUntilSiloKnowsSegment(this GridHost silo, string segmentId)
    {
        var cache = silo.App.Services.GetRequiredService<SegmentCatalogCache>();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if ((await cache.Get()).Definitions.ContainsKey(segmentId)) return;
            await cache.AtLeast(long.MaxValue);
        }

        Assert.Fail($"silo {silo.SiloAddress} never loaded segment {segmentId}");
    }

    /// <summary>Ingests one event per email over <c>POST /v1/events</c> and checks they were all accepted.</summary>
    public static async Task IngestEvents(this GridHost host, string eventType, params string[] emails)
    {
        var events = emails.Select(email => new
        {
            id = Guid.NewGuid().ToString("N"),
            type = eventType,
            timestamp = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            identities = new[] { new { @namespace = "email", id = email } },
        });
        using var response = await host.Http.PostAsJsonAsync("/v1/events", events);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}: {body}");
        Assert.True(emails.Length == JsonNode.Parse(body)!["accepted"]!.GetValue<int>(), body);
    }

    public static async Task<string> ProfileIdOf(this GridHost host, string email)
    {
        var data = await host.GraphQL("query($id: String!) { profile(namespace: \"email\", id: $id) { id } }", new { id = email });
        return data["profile"]!["id"]!.GetValue<string>();
    }
}
