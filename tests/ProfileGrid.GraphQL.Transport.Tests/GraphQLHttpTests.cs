using static ProfileGrid.GraphQL.Transport.Tests.HttpTestExtensions;

namespace ProfileGrid.GraphQL.Transport.Tests;

public sealed class GraphQLHttpTests(DefaultServerFixture fixture) : IClassFixture<DefaultServerFixture>
{
    private HttpClient Client => fixture.Server.Client;

    [Fact]
    public async Task Post_query_answers_200_with_data_as_graphql_response_json()
    {
        var response = await Client.PostGraphQLAsync(new { query = "{ hello }" });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(GraphQLResponseJson, response.MediaType);
        Assert.Equal("utf-8", response.CharSet);
        Assert.Equal("Hello, world!", response.Body.GetProperty("data").GetProperty("hello").GetString());
        Assert.False(response.Body.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task Post_without_accept_header_answers_graphql_response_json()
    {
        var response = await Client.PostGraphQLAsync(new { query = "{ hello }" }, accept: null);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(GraphQLResponseJson, response.MediaType);
    }

    [Theory]
    [InlineData("application/json", Json)]
    [InlineData("*/*", GraphQLResponseJson)]
    [InlineData("application/*", GraphQLResponseJson)]
    [InlineData("application/graphql-response+json; charset=utf-8, application/json; charset=utf-8", GraphQLResponseJson)]
    [InlineData("application/json, application/graphql-response+json;q=0.5", Json)]
    [InlineData("text/html, */*;q=0.1", GraphQLResponseJson)]
    [InlineData("*/*, application/graphql-response+json;q=0", Json)]
    public async Task Response_media_type_follows_the_accept_header(string accept, string expected)
    {
        var response = await Client.PostGraphQLAsync(new { query = "{ hello }" }, accept);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(expected, response.MediaType);
        Assert.Equal("utf-8", response.CharSet);
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml, text/plain;q=0.5")]
    [InlineData("application/json;q=0, application/graphql-response+json;q=0")]
    public async Task Accept_admitting_neither_media_type_answers_406(string accept)
    {
        var response = await Client.PostGraphQLAsync(new { query = "{ hello }" }, accept);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.Status);
        Assert.Equal("NOT_ACCEPTABLE", response.FirstErrorCode);
        Assert.Contains("application/graphql-response+json", response.FirstErrorMessage);
    }

    [Fact]
    public async Task Post_passes_variables_and_operation_name()
    {
        var response = await Client.PostGraphQLAsync(new
        {
            query = "query A { a: hello } query B($name: String) { b: hello(name: $name) }",
            operationName = "B",
            variables = new { name = "Sarah" },
        });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var data = response.Body.GetProperty("data");
        Assert.Equal("Hello, Sarah!", data.GetProperty("b").GetString());
        Assert.False(data.TryGetProperty("a", out _));
    }

    [Fact]
    public async Task Get_runs_a_query_with_variables_from_the_query_string()
    {
        var response = await Client.GetGraphQLAsync(Query(
            ("query", "query Greet($name: String) { hello(name: $name) }"),
            ("variables", """{"name":"Luma"}""")));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Hello, Luma!", response.Body.GetProperty("data").GetProperty("hello").GetString());
    }

    [Theory]
    [InlineData(GraphQLResponseJson)]
    [InlineData(Json)]
    public async Task Get_refuses_a_mutation_with_405_allowing_post(string accept)
    {
        var response = await Client.GetGraphQLAsync(Query(("query", "mutation { increment(by: 1) }")), accept);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
        Assert.Equal(["POST"], response.Message.Content.Headers.Allow);
        Assert.Equal("METHOD_NOT_ALLOWED", response.FirstErrorCode);
        Assert.False(response.HasData);
    }

    [Fact]
    public async Task Post_runs_a_mutation()
    {
        var first = await Client.PostGraphQLAsync(new { query = "mutation { increment(by: 2) }" });
        var second = await Client.PostGraphQLAsync(new { query = "mutation { increment(by: 3) }" });

        Assert.Equal(HttpStatusCode.OK, second.Status);
        var before = first.Body.GetProperty("data").GetProperty("increment").GetInt32();
        Assert.Equal(before + 3, second.Body.GetProperty("data").GetProperty("increment").GetInt32());
    }

    [Fact]
    public async Task Other_methods_answer_405_allowing_get_and_post()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, string.Empty) { Content = new StringContent("{}", Encoding.UTF8, Json) };
        var response = await Client.SendGraphQLAsync(request, GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
        Assert.Equal(["GET", "POST"], response.Message.Content.Headers.Allow);
        Assert.Equal("METHOD_NOT_ALLOWED", response.FirstErrorCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=iso-8859-1")]
    public async Task Post_with_another_content_type_answers_415(string contentType)
    {
        var response = await Client.PostRawAsync("""{"query":"{ hello }"}""", contentType: contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.Status);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", response.FirstErrorCode);
        Assert.Contains("application/json", response.FirstErrorMessage);
    }

    [Fact]
    public async Task Post_without_content_type_answers_415()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, string.Empty) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"query":"{ hello }"}""")) };
        var response = await Client.SendGraphQLAsync(request, GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.Status);
        Assert.Contains("Content-Type header is required", response.FirstErrorMessage);
    }

    [Theory]
    [InlineData(GraphQLResponseJson)]
    [InlineData(Json)]
    public async Task Malformed_json_answers_400_saying_where(string accept)
    {
        var response = await Client.PostRawAsync("{\n  \"query\": \"{ hello }\",\n  \"variables\": }", accept);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("INVALID_JSON", response.FirstErrorCode);
        Assert.StartsWith("the request body is not valid JSON at line 3, byte 16:", response.FirstErrorMessage);
        Assert.False(response.HasData);
    }

    [Theory]
    [InlineData("""{"qeury":"{ hello }"}""", "\"query\" is required")]
    [InlineData("""{"query":42}""", "\"query\" must be a string, not a number")]
    [InlineData("""{"query":"{ hello }","variables":[7]}""", "\"variables\" must be an object or null, not an array")]
    [InlineData("""{"query":"{ hello }","operationName":true}""", "\"operationName\" must be a string or null, not a boolean")]
    [InlineData("""[{"query":"{ hello }"}]""", "the request body must be a JSON object")]
    public async Task Request_that_is_not_well_formed_answers_400_for_both_media_types(string body, string message)
    {
        foreach (var accept in new[] { GraphQLResponseJson, Json })
        {
            var response = await Client.PostRawAsync(body, accept);

            Assert.Equal(HttpStatusCode.BadRequest, response.Status);
            Assert.Equal("INVALID_REQUEST", response.FirstErrorCode);
            Assert.Contains(message, response.FirstErrorMessage);
        }
    }

    [Fact]
    public async Task Get_without_query_answers_400()
    {
        var response = await Client.GetGraphQLAsync(string.Empty);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("\"query\" is required", response.FirstErrorMessage);
    }

    [Fact]
    public async Task Get_with_malformed_variables_answers_400_saying_where()
    {
        var response = await Client.GetGraphQLAsync(Query(("query", "{ hello }"), ("variables", "{\"name\":")));

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("INVALID_JSON", response.FirstErrorCode);
        Assert.StartsWith("the \"variables\" parameter is not valid JSON at line 1, byte 9", response.FirstErrorMessage);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task Syntax_error_is_a_request_error(string accept, HttpStatusCode expected)
    {
        var response = await Client.PostGraphQLAsync(new { query = "{ hello " }, accept);

        Assert.Equal(expected, response.Status);
        Assert.Equal("SYNTAX_ERROR", response.FirstErrorCode);
        Assert.False(response.HasData);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task Validation_error_is_a_request_error(string accept, HttpStatusCode expected)
    {
        var response = await Client.PostGraphQLAsync(new { query = "{ nope }" }, accept);

        Assert.Equal(expected, response.Status);
        Assert.Contains("nope", response.FirstErrorMessage);
        Assert.False(response.HasData);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task Variable_of_the_wrong_type_is_a_request_error(string accept, HttpStatusCode expected)
    {
        var response = await Client.PostGraphQLAsync(new { query = "mutation($by: Int!) { increment(by: $by) }", variables = new { by = "three" } }, accept);

        Assert.Equal(expected, response.Status);
        Assert.Contains("$by", response.FirstErrorMessage);
        Assert.False(response.HasData);
    }

    [Theory]
    [InlineData(GraphQLResponseJson)]
    [InlineData(Json)]
    public async Task Field_error_answers_200_with_data_and_hides_the_exception(string accept)
    {
        var response = await Client.PostGraphQLAsync(new { query = "{ hello boom }" }, accept);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var data = response.Body.GetProperty("data");
        Assert.Equal("Hello, world!", data.GetProperty("hello").GetString());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("boom").ValueKind);
        Assert.Contains("boom", response.FirstErrorMessage);
        Assert.DoesNotContain("secret internals", response.Body.GetRawText());
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task Depth_beyond_the_limit_is_refused_naming_the_limit(string accept, HttpStatusCode expected)
    {
        var response = await Client.PostGraphQLAsync(new { query = NestedNodes(21) }, accept);

        Assert.Equal(expected, response.Status);
        Assert.Equal("MAX_DEPTH_EXCEEDED", response.FirstErrorCode);
        Assert.Equal("query depth 23 exceeds the limit of 15 (ProfileGrid:GraphQL:MaxDepth)", response.FirstErrorMessage);
        Assert.False(response.HasData);
    }

    [Fact]
    public async Task Depth_at_the_limit_executes()
    {
        var response = await Client.PostGraphQLAsync(new { query = NestedNodes(13) });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(response.HasData);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task Complexity_beyond_the_limit_is_refused_naming_the_limit(string accept, HttpStatusCode expected)
    {
        var response = await Client.PostGraphQLAsync(new { query = "{ items(first: 50) { name items(first: 50) { name } } }" }, accept);

        Assert.Equal(expected, response.Status);
        Assert.Equal("MAX_COMPLEXITY_EXCEEDED", response.FirstErrorCode);
        Assert.Matches(@"^query complexity \d+ exceeds the limit of 2000 \(ProfileGrid:GraphQL:MaxComplexity\)$", response.FirstErrorMessage);
    }

    [Fact]
    public async Task Complexity_within_the_limit_executes()
    {
        var response = await Client.PostGraphQLAsync(new { query = "{ items(first: 10) { name items(first: 10) { name } } }" });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(10, response.Body.GetProperty("data").GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task Subscription_over_http_is_refused_pointing_to_websocket(string accept, HttpStatusCode expected)
    {
        var response = await Client.PostGraphQLAsync(new { query = "subscription { ticks(topic: \"x\") }" }, accept);

        Assert.Equal(expected, response.Status);
        Assert.Equal("SUBSCRIPTION_REQUIRES_WEBSOCKET", response.FirstErrorCode);
        Assert.Contains("graphql-transport-ws", response.FirstErrorMessage);
    }

    [Fact]
    public async Task Resolvers_see_the_request_user_and_a_scope_per_request()
    {
        async Task<JsonElement> AskAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, string.Empty)
            {
                Content = new StringContent("""{"query":"{ whoami scopedId }"}""", Encoding.UTF8, Json),
            };
            request.Headers.Add(TransportServer.UserHeader, "sarah");
            var response = await Client.SendGraphQLAsync(request, GraphQLResponseJson);
            Assert.Equal(HttpStatusCode.OK, response.Status);
            return response.Body.GetProperty("data");
        }

        var first = await AskAsync();
        var second = await AskAsync();

        Assert.Equal("sarah", first.GetProperty("whoami").GetString());
        Assert.NotEqual(first.GetProperty("scopedId").GetString(), second.GetProperty("scopedId").GetString());
    }

    [Fact]
    public async Task Body_larger_than_the_limit_answers_413()
    {
        var padding = new string(' ', 256 * 1024);
        var response = await Client.PostRawAsync($$"""{"query":"{ hello }"{{padding}}}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.Status);
        Assert.Equal("REQUEST_TOO_LARGE", response.FirstErrorCode);
        Assert.Contains("exceeds the limit of 262144 bytes (ProfileGrid:GraphQL:MaxRequestBytes)", response.FirstErrorMessage);
    }

    [Fact]
    public async Task Chunked_body_larger_than_the_limit_answers_413()
    {
        var padding = new string(' ', 256 * 1024);
        var bytes = Encoding.UTF8.GetBytes($$"""{"query":"{ hello }"{{padding}}}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, string.Empty) { Content = new StreamContent(new UnknownLengthStream(bytes)) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(Json);
        var response = await Client.SendGraphQLAsync(request, GraphQLResponseJson);

        Assert.Null(request.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.Status);
        Assert.Equal("REQUEST_TOO_LARGE", response.FirstErrorCode);
    }

    [Fact]
    public async Task Body_at_the_limit_is_accepted()
    {
        var prefix = """{"query":"{ hello }""";
        var body = prefix + new string(' ', 256 * 1024 - prefix.Length - 2) + "\"}";
        Assert.Equal(256 * 1024, Encoding.UTF8.GetByteCount(body));

        var response = await Client.PostRawAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    /// <summary>
    /// <c>{ node { child { child ... { level } } } }</c> with <paramref name="children"/> child levels:
    /// a depth of <paramref name="children"/> + 2 (node, the children, level).
    /// </summary>
    internal static string NestedNodes(int children)
        => "{ node { " + string.Concat(Enumerable.Repeat("child { ", children)) + "level" + new string('}', children + 1) + " }";

    /// <summary>A stream whose length HttpClient cannot know, so the body is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
