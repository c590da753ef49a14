using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ProfileGrid.Testing.Postgres;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>
/// setTraits over GraphQL on a silo host with <c>ProfileGrid:Storage=Postgres</c> (this project's in-process
/// hosts): traits PostgreSQL cannot store are refused as bad input naming the field, and the person keeps
/// the traits they had.
/// </summary>
public sealed class PostgresTraitsApiTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private const string SetTraits = """
        mutation($traits: JSON!) { setTraits(namespace: "crmId", id: "C-42", traits: $traits) { traits } }
        """;

    [PostgresFact]
    public async Task Traits_the_trait_log_cannot_store_are_bad_user_input_and_stored_traits_stay()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ProfileGrid:Storage"] = "Postgres",
            ["ConnectionStrings:Postgres"] = await postgres.CreateDatabaseAsync("traits_api"),
        };
        await using var silo = await GridHost.StartSiloAsync($"pg-traits-{Guid.NewGuid():N}", settings: settings);
        await silo.GraphQL(SetTraits, new { traits = new { name = "Sarah" } });

        using var response = await silo.Http.PostAsJsonAsync("/graphql", new { query = SetTraits, variables = new { traits = new { name = "Sa\u0000rah" } } });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var error = body["errors"]![0]!;
        Assert.Equal("BAD_USER_INPUT", error["extensions"]!["code"]!.GetValue<string>());
        Assert.StartsWith("traits: contains an escaped U+0000", error["message"]!.GetValue<string>());
        var person = await silo.GraphQL("""{ profile(namespace: "crmId", id: "C-42") { traits } }""");
        Assert.Equal("Sarah", person["profile"]!["traits"]!["name"]!.GetValue<string>());
    }
}
