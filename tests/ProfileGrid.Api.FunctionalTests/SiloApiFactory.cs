using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.Testing.Postgres;

namespace ProfileGrid.Api.FunctionalTests;

/// <summary>
/// The silo host (<c>silo/Program.cs</c>) in process, behind the test server: the real middleware,
/// routing, GraphQL transport and ingestion endpoint, over a one-silo cluster on free ports.
/// </summary>
public class SiloApiFactory : WebApplicationFactory<Program>
{
    protected virtual bool LoadDemo => false;

    /// <summary>Extra settings a test class needs (limits it wants to hit quickly).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ProfileGrid:Demo", LoadDemo ? "true" : "false");
        builder.UseSetting("ProfileGrid:SiloPort", LoopbackPorts.Next().ToString());
        builder.UseSetting("ProfileGrid:GatewayPort", LoopbackPorts.Next().ToString());
        builder.UseSetting("ProfileGrid:ServiceId", $"api-tests-{Guid.NewGuid():N}");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    public async Task<JsonObject> GraphQL(string query, object? variables = null)
    {
        using var response = await CreateClient().PostAsJsonAsync("/graphql", new { query, variables });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}: {body}");
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.True(json["errors"] is null, $"GraphQL errors: {json["errors"]}");
        return json["data"]!.AsObject();
    }

    public async Task<(HttpStatusCode Status, JsonNode? Body)> PostEvents(string body, string mediaType = "application/json")
    {
        using var content = new StringContent(body, Encoding.UTF8, mediaType);
        using var response = await CreateClient().PostAsync("/v1/events", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Posts a body without a Content-Length (chunked), as a client streaming its events would.</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> PostEventsChunked(string body, string mediaType = "application/json")
    {
        using var content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        using var response = await CreateClient().PostAsync("/v1/events", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>A readable stream that does not tell its length, so the client sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>The same host with the Luma demo loaded, as <c>dotnet run --project silo</c> starts it.</summary>
public sealed class DemoSiloApiFactory : SiloApiFactory
{
    protected override bool LoadDemo => true;
}

/// <summary>The silo host with <typeparamref name="TFilter"/> on its grains' incoming calls, for a test to set or read.</summary>
public class SiloApiFactoryWithFilter<TFilter> : SiloApiFactory where TFilter : Orleans.IIncomingGrainCallFilter, new()
{
    public TFilter Filter { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<Orleans.IIncomingGrainCallFilter>(Filter));
    }
}
