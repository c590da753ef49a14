using System.Text.Json;
using GraphQL.Types;
using GraphQL.Validation;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.GraphQL.Transport;

namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>A document that ran is parsed and validated once; what depends on the request is checked every time.</summary>
public sealed class GraphQLDocumentCacheTests(DefaultServerFixture fixture) : IClassFixture<DefaultServerFixture>
{
    private HttpClient Client => fixture.Server.Client;

    private GraphQLRequestExecutor Executor => fixture.Server.App.Services.GetRequiredService<GraphQLRequestExecutor>();

    private ISchema Schema => fixture.Server.App.Services.GetRequiredService<ISchema>();

    private bool IsCached(string query) => Executor.IsCached(Schema, query);

    [Fact]
    public async Task A_document_that_ran_is_kept_and_answers_the_same_again()
    {
        const string query = "query Greeting($name: String) { hello(name: $name) }";

        var first = await Client.PostGraphQLAsync(new { query, variables = new { name = "Sarah" } });
        var second = await Client.PostGraphQLAsync(new { query, variables = new { name = "Tove" } });

        Assert.True(IsCached(query));
        Assert.Equal("Hello, Sarah!", first.Body.GetProperty("data").GetProperty("hello").GetString());
        Assert.Equal("Hello, Tove!", second.Body.GetProperty("data").GetProperty("hello").GetString());
    }

    [Fact]
    public async Task A_document_that_failed_validation_is_not_kept_and_fails_again()
    {
        const string query = "{ hello nope }";

        var first = await Client.PostGraphQLAsync(new { query });
        var second = await Client.PostGraphQLAsync(new { query });

        Assert.False(IsCached(query));
        Assert.Equal(HttpStatusCode.BadRequest, first.Status);
        Assert.Equal(first.FirstErrorCode, second.FirstErrorCode);
        Assert.Equal(first.FirstErrorMessage, second.FirstErrorMessage);
        Assert.Contains("nope", second.FirstErrorMessage);
    }

    [Fact]
    public async Task A_kept_document_whose_variables_cannot_change_its_limits_is_not_measured_again()
    {
        const string greeting = "query Greeting2($name: String) { hello(name: $name) }";
        const string items = "query Items2($n: Int) { items(first: $n) { name } }";

        await Client.PostGraphQLAsync(new { query = greeting, variables = new { name = "Sarah" } });
        await Client.PostGraphQLAsync(new { query = items, variables = new { n = 1 } });

        Assert.True(IsCached(greeting));
        Assert.False(Executor.MeasuresLimitsEveryTime(Schema, greeting));
        Assert.True(Executor.MeasuresLimitsEveryTime(Schema, items));
    }

    [Fact]
    public async Task A_kept_document_is_validated_by_the_shortcut_the_servers_executer_uses()
    {
        const string query = "query Greeting3($name: String) { hello(name: $name) }";

        await Client.PostGraphQLAsync(new { query, variables = new { name = "Sarah" } });
        var again = await Client.PostGraphQLAsync(new { query, variables = new { name = "Tove" } });

        var services = fixture.Server.App.Services;
        Assert.Same(services.GetRequiredService<KeptDocumentValidator>(), services.GetRequiredService<IDocumentValidator>());
        Assert.True(Executor.ValidatesByShortcut(Schema, query));
        Assert.Equal("Hello, Tove!", again.Body.GetProperty("data").GetProperty("hello").GetString());
    }

    [Fact]
    public async Task Concurrent_requests_of_a_kept_document_each_get_their_own_variables()
    {
        const string query = "query Greeting4($name: String) { hello(name: $name) }";
        await Client.PostGraphQLAsync(new { query, variables = new { name = "first" } });

        var names = Enumerable.Range(0, 200).Select(i => $"caller {i}").ToList();
        var answers = await Task.WhenAll(names.Select(name => Client.PostGraphQLAsync(new { query, variables = new { name } })));

        Assert.True(Executor.ValidatesByShortcut(Schema, query));
        Assert.Equal(names.Select(n => $"Hello, {n}!"), answers.Select(a => a.Body.GetProperty("data").GetProperty("hello").GetString()));
    }

    [Theory]
    // A page size: 121 with 10, 2,601 with 50.
    [InlineData("query Items($n: Int) { items(first: $n) { name items(first: $n) { name } } }", """{"n":10}""", """{"n":50}""")]
    // An @include condition: 441 without the third level, 8,841 with it.
    [InlineData("query Deep($deep: Boolean!) { items(first: 20) { name items(first: 20) { name items(first: 20) @include(if: $deep) { name } } } }", """{"deep":false}""", """{"deep":true}""")]
    // A field's own complexity function reading its argument.
    [InlineData("query Weighted($w: Int) { weighted(weight: $w) }", """{"w":3}""", """{"w":5000}""")]
    public async Task The_complexity_limit_applies_to_a_kept_document_when_its_variables_raise_it(string query, string within, string over)
    {
        var small = await Client.PostGraphQLAsync(new { query, variables = JsonDocument.Parse(within).RootElement });
        var large = await Client.PostGraphQLAsync(new { query, variables = JsonDocument.Parse(over).RootElement });

        Assert.Equal(HttpStatusCode.OK, small.Status);
        Assert.True(small.Body.GetProperty("data").EnumerateObject().Any());
        Assert.True(IsCached(query));
        Assert.Equal("MAX_COMPLEXITY_EXCEEDED", large.FirstErrorCode);
    }

    [Fact]
    public async Task Variables_of_the_wrong_type_are_refused_for_a_kept_document()
    {
        const string query = "query Items($n: Int) { items(first: $n) { name } }";
        await Client.PostGraphQLAsync(new { query, variables = new { n = 1 } });

        var wrong = await Client.PostGraphQLAsync(new { query, variables = new { n = "many" } });

        Assert.True(IsCached(query));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Contains("$n", wrong.FirstErrorMessage);
    }
}
