namespace ProfileGrid.Api.FunctionalTests;

/// <summary>Lookups and the GraphQL-over-HTTP status codes, through the silo's real pipeline.</summary>
public sealed class GraphQLHttpTests(SiloApiFactory api) : IClassFixture<SiloApiFactory>
{
    private const string GraphQLResponse = "application/graphql-response+json";
    private static readonly string Now = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");

    [Fact]
    public async Task A_person_is_found_by_every_identity_written_any_way()
    {
        var run = Random.Shared.Next(1000, 9999);
        var crm = $"CRM-T{run}";
        var body = $$"""
            [{"id":"lk-{{run}}-1","type":"commerce.purchase","timestamp":"{{Now}}","revenue":19.99,
              "identities":[{"namespace":"crmId","id":"{{crm}}"},{"namespace":"email","id":"Ann.{{run}}@Luma.example"},{"namespace":"phone","id":"+1 (415) 555-{{run}}"}]},
             {"id":"lk-{{run}}-2","type":"web.pageView","timestamp":"{{Now}}",
              "identities":[{"namespace":"email","id":"ann.{{run}}@luma.example"},{"namespace":"ecid","id":"dev-{{run}}"}]}]
            """;
        Assert.Equal(2, (await api.PostEvents(body)).Body!["accepted"]!.GetValue<int>());

        var ids = new List<string>();
        foreach (var (ns, id) in new[] { ("crmId", crm), ("email", $"  ANN.{run}@luma.EXAMPLE "), ("phone", $"415-555-{run}"), ("phone", $"+1415555{run}"), ("ecid", $"dev-{run}") })
        {
            var data = await api.GraphQL("query($ns: String!, $id: String!) { profile(namespace: $ns, id: $id) { id identities { namespace id } } }", new { ns, id });
            Assert.True(data["profile"] is JsonObject, $"{ns}:{id} not found");
            ids.Add(data["profile"]!["id"]!.GetValue<string>());
            Assert.Equal(4, data["profile"]!["identities"]!.AsArray().Count);
        }
        Assert.Single(ids.Distinct());
    }

    [Fact]
    public async Task Unknown_identity_is_null_not_an_error()
    {
        var data = await api.GraphQL("{ profile(namespace: \"email\", id: \"nobody-at-all@example.com\") { id } }");
        Assert.Null(data["profile"]);
    }

    [Fact]
    public async Task An_id_merged_away_still_finds_the_surviving_profile()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        string Ev(string id, params string[] devices) =>
            $$"""{"id":"{{id}}","type":"web.pageView","timestamp":"{{Now}}","identities":[{{string.Join(",", devices.Select(d => $"{{\"namespace\":\"ecid\",\"id\":\"{d}\"}}"))}}]}""";
        await api.PostEvents($"[{Ev($"{run}-1", $"a-{run}")}]");
        await api.PostEvents($"[{Ev($"{run}-2", $"b-{run}")}]");
        const string byDevice = "query($id: String!) { profile(namespace: \"ecid\", id: $id) { id } }";
        var first = (await api.GraphQL(byDevice, new { id = $"a-{run}" }))["profile"]!["id"]!.GetValue<string>();
        var second = (await api.GraphQL(byDevice, new { id = $"b-{run}" }))["profile"]!["id"]!.GetValue<string>();
        Assert.NotEqual(first, second);

        await api.PostEvents($"[{Ev($"{run}-3", $"a-{run}", $"b-{run}")}]");

        var survivor = string.CompareOrdinal(first, second) < 0 ? first : second;
        var mergedAway = survivor == first ? second : first;
        var data = await api.GraphQL("query($id: ID!) { profileById(id: $id) { id events { id } links { sourceEventId } } }", new { id = mergedAway });
        Assert.Equal(survivor, data["profileById"]!["id"]!.GetValue<string>());
        Assert.Equal(3, data["profileById"]!["events"]!.AsArray().Count);
        Assert.Contains($"{run}-3", data["profileById"]!["links"]!.AsArray().Select(l => l!["sourceEventId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Get_runs_a_query()
    {
        using var response = await api.CreateClient().GetAsync("/graphql?query=" + Uri.EscapeDataString("{ profile(namespace: \"email\", id: \"x@y.example\") { id } }"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!["profile"]);
    }

    [Fact]
    public async Task Get_may_not_run_a_mutation()
    {
        using var response = await api.CreateClient().GetAsync("/graphql?query=" + Uri.EscapeDataString("mutation { unlinkIdentity(namespace: \"email\", id: \"x@y.example\") { id } }"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Theory]
    [InlineData(GraphQLResponse, HttpStatusCode.BadRequest)]
    [InlineData("application/json", HttpStatusCode.OK)]
    public async Task Invalid_document_status_depends_on_the_accepted_media_type(string accept, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query = "{ profile(namespace: \"email\") { nope } }" }) };
        request.Headers.Accept.ParseAdd(accept);
        using var response = await api.CreateClient().SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(accept, response.Content.Headers.ContentType!.MediaType);
        Assert.NotEmpty(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsArray());
    }

    [Fact]
    public async Task Body_that_is_not_json_is_400()
    {
        using var content = new StringContent("{ query: nope", Encoding.UTF8, "application/json");
        using var response = await api.CreateClient().PostAsync("/graphql", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Unsupported_content_type_is_415()
    {
        using var content = new StringContent("{ __typename }", Encoding.UTF8, "text/plain");
        using var response = await api.CreateClient().PostAsync("/graphql", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Unacceptable_accept_header_is_406()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query = "{ __typename }" }) };
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await api.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
    }

    [Fact]
    public async Task Traits_newest_observation_wins_whatever_the_arrival_order()
    {
        var email = $"traits.{Guid.NewGuid():N}@example.com";
        const string set = "mutation($id: String!, $t: JSON!, $at: DateTime) { setTraits(namespace: \"email\", id: $id, traits: $t, observedAt: $at) { traits } }";
        await api.GraphQL(set, new { id = email, t = new { tier = "gold", city = "Oslo" }, at = "2026-03-01T00:00:00Z" });
        var data = await api.GraphQL(set, new { id = email, t = new { tier = "silver" }, at = "2026-01-01T00:00:00Z" });

        var traits = data["setTraits"]!["traits"]!;
        Assert.Equal("gold", traits["tier"]!.GetValue<string>());
        Assert.Equal("Oslo", traits["city"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unlink_splits_the_identity_off_and_both_sides_keep_their_own_events()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = $$"""
            [{"id":"{{run}}-1","type":"web.pageView","timestamp":"{{Now}}","identities":[{"namespace":"email","id":"u.{{run}}@example.com"}]},
             {"id":"{{run}}-2","type":"web.pageView","timestamp":"{{Now}}","identities":[{"namespace":"email","id":"u.{{run}}@example.com"},{"namespace":"ecid","id":"kiosk-{{run}}"}]},
             {"id":"{{run}}-3","type":"store.visit","timestamp":"{{Now}}","identities":[{"namespace":"ecid","id":"kiosk-{{run}}"}]}]
            """;
        await api.PostEvents(body);

        var unlinked = await api.GraphQL("mutation($id: String!) { unlinkIdentity(namespace: \"ecid\", id: $id) { id identities { id } } }", new { id = $"kiosk-{run}" });
        var person = await api.GraphQL("query($id: String!) { profile(namespace: \"email\", id: $id) { id identities { id } events { id } } }", new { id = $"u.{run}@example.com" });

        Assert.NotEqual(person["profile"]!["id"]!.GetValue<string>(), unlinked["unlinkIdentity"]!["id"]!.GetValue<string>());
        Assert.Single(unlinked["unlinkIdentity"]!["identities"]!.AsArray());
        Assert.Single(person["profile"]!["identities"]!.AsArray());
        Assert.DoesNotContain($"{run}-3", person["profile"]!["events"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()));
    }
}

/// <summary>Limits that a caller hits get a clear error naming the limit.</summary>
public sealed class LimitsTests(LimitsTests.SmallLimitsFactory api) : IClassFixture<LimitsTests.SmallLimitsFactory>
{
    public sealed class SmallLimitsFactory : SiloApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [
            new("ProfileGrid:GraphQL:MaxDepth", "3"),
            new("ProfileGrid:GraphQL:MaxComplexity", "40"),
            new("ProfileGrid:Ingestion:MaxRequestBytes", "2048"),
            new("ProfileGrid:Ingestion:MaxEventsPerRequest", "3"),
        ];
    }

    [Fact]
    public async Task Too_deep_query_is_refused_naming_the_depth_limit()
    {
        var body = await Errors("{ profile(namespace: \"email\", id: \"a@b.example\") { links { from { namespace } } } }");
        Assert.Contains("depth", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Too_complex_query_is_refused_naming_the_complexity_limit()
    {
        var body = await Errors("{ profile(namespace: \"email\", id: \"a@b.example\") { events(last: 100) { id type channel } } }");
        Assert.Contains("complexity", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Events_body_over_the_byte_limit_is_413()
    {
        var (status, json) = await api.PostEvents("[" + string.Join(",", Enumerable.Repeat("{\"id\":\"" + new string('x', 900) + "\"}", 3)) + "]");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MaxRequestBytes", json!.ToJsonString());
    }

    [Fact]
    public async Task Chunked_events_body_over_the_byte_limit_is_413()
    {
        var (status, json) = await api.PostEventsChunked("[" + string.Join(",", Enumerable.Repeat("{\"id\":\"" + new string('x', 900) + "\"}", 3)) + "]");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MaxRequestBytes", json!.ToJsonString());
    }

    [Fact]
    public async Task Too_many_events_in_one_request_is_413()
    {
        var (status, json) = await api.PostEvents("[{},{},{},{}]");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MaxEventsPerRequest", json!.ToJsonString());
    }

    private async Task<string> Errors(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query }) };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        using var response = await api.CreateClient().SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(JsonNode.Parse(body)!["errors"]!.AsArray());
        return body;
    }
}
