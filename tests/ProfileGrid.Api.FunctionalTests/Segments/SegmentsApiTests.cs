namespace ProfileGrid.Api.FunctionalTests.Segments;

/// <summary>Live segments through the real GraphQL pipeline: define, evaluate, audiences, memberships, explain, errors.</summary>
public sealed class SegmentsApiTests(SiloApiFactory api) : IClassFixture<SiloApiFactory>
{
    private static readonly string Yesterday = DateTimeOffset.UtcNow.AddDays(-1).ToString("O");
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private const string DefineMutation = """
        mutation($input: SegmentInput!) {
          defineSegment(input: $input) { id name expression evaluation { status evaluated total } }
        }
        """;

    private string Purchase(string email, string category) =>
        $$"""{"id":"{{Guid.NewGuid():N}}","type":"commerce.purchase","timestamp":"{{Yesterday}}","revenue":30,"channel":"web","attributes":{"category":"{{category}}","run":"{{_run}}"},"identities":[{"namespace":"email","id":"{{email}}"}]}""";

    private async Task<List<string>> IngestBuyers(int count, string category)
    {
        var emails = Enumerable.Range(0, count).Select(i => $"{category}{i}.{_run}@luma.example").ToList();
        var (status, json) = await api.PostEvents($"[{string.Join(",", emails.Select(e => Purchase(e, category)))}]");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(count, json!["accepted"]!.GetValue<int>());
        return emails;
    }

    private async Task<JsonObject> Define(string id, string expression)
    {
        var data = await api.GraphQL(DefineMutation, new { input = new { id, name = $"Name of {id}", expression } });
        var segment = data["defineSegment"]!.AsObject();
        Assert.Equal(id, segment["id"]!.GetValue<string>());
        for (var i = 0; i < 400; i++)
        {
            var read = await api.GraphQL("query($id: ID!) { segment(id: $id) { evaluation { status evaluated total } size } }", new { id });
            if (read["segment"]!["evaluation"]!["status"]!.GetValue<string>() == "COMPLETED") return read["segment"]!.AsObject();
            await Task.Delay(25);
        }
        throw new TimeoutException($"segment {id} was not evaluated");
    }

    private async Task<JsonObject> Raw(string query, object? variables = null)
    {
        using var response = await api.CreateClient().PostAsJsonAsync("/graphql", new { query, variables });
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task Defined_segment_reports_evaluation_size_and_pages_its_members()
    {
        var buyers = await IngestBuyers(5, "yoga");
        await IngestBuyers(2, "running");
        var id = $"yoga-{_run}";

        var segment = await Define(id, $"count(events where type = \"commerce.purchase\" and attributes.category = \"yoga\" and attributes.run = \"{_run}\") >= 1");

        Assert.Equal(5, segment["size"]!.GetValue<int>());
        Assert.True(segment["evaluation"]!["evaluated"]!.GetValue<int>() >= 7);
        Assert.True(segment["evaluation"]!["total"]!.GetValue<int>() >= segment["evaluation"]!["evaluated"]!.GetValue<int>());

        const string page = """
            query($id: ID!, $after: String) {
              segment(id: $id) { size members(first: 2, after: $after) { edges { cursor node { id identities { namespace id } } } pageInfo { hasNextPage endCursor } } }
            }
            """;
        var seen = new List<string>();
        string? after = null;
        for (var n = 0; n < 3; n++)
        {
            var members = (await api.GraphQL(page, new { id, after }))["segment"]!["members"]!;
            var edges = members["edges"]!.AsArray();
            Assert.Equal(n < 2 ? 2 : 1, edges.Count);
            seen.AddRange(edges.Select(e => e!["node"]!["identities"]![0]!["id"]!.GetValue<string>()));
            Assert.Equal(n < 2, members["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
            after = members["pageInfo"]!["endCursor"]!.GetValue<string>();
            Assert.Equal(edges[^1]!["cursor"]!.GetValue<string>(), after);
        }
        Assert.Equal(buyers.Order(), seen.Order());

        var profile = await api.GraphQL("query($e: String!) { profile(namespace: \"email\", id: $e) { segments { segment { id name } status since } } }", new { e = buyers[0] });
        var membership = Assert.Single(profile["profile"]!["segments"]!.AsArray(), s => s!["segment"]!["id"]!.GetValue<string>() == id)!;
        Assert.Equal("REALIZED", membership["status"]!.GetValue<string>());
        Assert.Equal($"Name of {id}", membership["segment"]!["name"]!.GetValue<string>());
        Assert.Contains((await api.GraphQL("{ segments { id } }"))["segments"]!.AsArray(), s => s!["id"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task Explain_segment_shows_each_condition_for_the_person()
    {
        var buyer = (await IngestBuyers(1, "hiking"))[0];
        var id = $"hiking-not-recent-{_run}";
        await Define(id, $"exists(events where attributes.category = \"hiking\" and attributes.run = \"{_run}\")\n  and not exists(events where type = \"commerce.purchase\" within 30d)");

        var data = await api.GraphQL("""
            query($s: ID!, $e: String!) {
              explainSegment(segmentId: $s, namespace: "email", id: $e) {
                segment { id } profileId member conditions { source line column value held negated satisfied }
              }
            }
            """, new { s = id, e = buyer });

        var explanation = data["explainSegment"]!;
        Assert.False(explanation["member"]!.GetValue<bool>());
        var conditions = explanation["conditions"]!.AsArray();
        Assert.Equal(2, conditions.Count);
        Assert.True(conditions[0]!["satisfied"]!.GetValue<bool>());
        Assert.Equal(2, conditions[1]!["line"]!.GetValue<int>());
        Assert.True(conditions[1]!["negated"]!.GetValue<bool>());
        Assert.True(conditions[1]!["held"]!.GetValue<bool>());
        Assert.False(conditions[1]!["satisfied"]!.GetValue<bool>());
        Assert.Null((await api.GraphQL("query($s: ID!) { explainSegment(segmentId: $s, namespace: \"email\", id: \"nobody.at.all@luma.example\") { member } }", new { s = id }))["explainSegment"]);
    }

    [Fact]
    public async Task Bad_definitions_are_graphql_errors_naming_field_rule_and_position_and_store_nothing()
    {
        var id = $"bad-{_run}";
        var json = await Raw(DefineMutation, new { input = new { id, name = "bad", expression = "traits.tier = \"plus\" and" } });

        var error = Assert.Single(json["errors"]!.AsArray())!;
        var message = error["message"]!.GetValue<string>();
        Assert.StartsWith("expression: line 1, column 25:", message);
        Assert.Contains("expected", message);
        Assert.Contains("rule: segment language", message);
        Assert.Equal("BAD_USER_INPUT", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Null((await api.GraphQL("query($id: ID!) { segment(id: $id) { id } }", new { id }))["segment"]);

        var unknown = await Raw(DefineMutation, new { input = new { id, name = "bad", expression = "inSegment(\"nowhere\")" } });
        Assert.Contains("rule: inSegment reference", unknown["errors"]![0]!["message"]!.GetValue<string>());

        var delete = await Raw("mutation($id: ID!) { deleteSegment(id: $id) }", new { id });
        Assert.Contains("rule: unknown segment", delete["errors"]![0]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleted_segment_is_gone_from_the_api_and_from_profiles()
    {
        var buyer = (await IngestBuyers(1, "tennis"))[0];
        var id = $"tennis-{_run}";
        Assert.Equal(1, (await Define(id, $"exists(events where attributes.run = \"{_run}\" and attributes.category = \"tennis\")"))["size"]!.GetValue<int>());

        Assert.True((await api.GraphQL("mutation($id: ID!) { deleteSegment(id: $id) }", new { id }))["deleteSegment"]!.GetValue<bool>());

        Assert.Null((await api.GraphQL("query($id: ID!) { segment(id: $id) { id } }", new { id }))["segment"]);
        var profile = await api.GraphQL("query($e: String!) { profile(namespace: \"email\", id: $e) { segments { segment { id } } } }", new { e = buyer });
        Assert.DoesNotContain(profile["profile"]!["segments"]!.AsArray(), s => s!["segment"]!["id"]!.GetValue<string>() == id);
    }
}
