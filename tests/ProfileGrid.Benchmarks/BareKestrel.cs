namespace ProfileGrid.Benchmarks;

/// <summary>
/// The same machine's ceiling for a JSON-over-HTTP endpoint: no GraphQL, no grains, a fixed document
/// the size of a typical profile lookup answer. Lookup figures are reported as a ratio to this.
/// </summary>
public static class BareKestrel
{
    private const string Document = """{"data":{"profile":{"id":"0198f3a2c4d07c1e9b2a5f6e7d8c9b0a","identities":[{"namespace":"crmId","id":"CRM-100042"},{"namespace":"email","id":"sarah@luma.example"}],"stats":{"eventCount":42,"lifetimeRevenue":318.5,"mostEngagedChannel":"web"},"events":[{"type":"commerce.purchase","timestamp":"2026-11-22T10:15:00.000Z","channel":"web"}]}}}""";

    public static void Run(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://127.0.0.1:5099");
        var app = builder.Build();
        app.MapPost("/graphql", () => Results.Text(Document, "application/json"));
        app.MapGet("/graphql", () => Results.Text(Document, "application/json"));
        app.Run();
    }
}
