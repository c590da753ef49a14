using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>
/// A host that registers no <see cref="IDocumentExecuter"/> of its own still gets the whole transport: the
/// executor falls back to graphql-dotnet's, with the kept-document validator, the limits and the time limit.
/// </summary>
public sealed class DefaultExecuterTests
{
    [Fact]
    public async Task Without_a_registered_executer_queries_run_are_kept_and_limits_and_timeouts_apply()
    {
        await using var server = await TransportServer.StartAsync(
            new Dictionary<string, string?> { ["ProfileGrid:GraphQL:MaxDepth"] = "3", ["ProfileGrid:GraphQL:ExecutionTimeout"] = "00:00:00.200" },
            configure: builder => builder.Services.RemoveAll<IDocumentExecuter>());
        Assert.Null(server.App.Services.GetService<IDocumentExecuter>());
        var executor = server.App.Services.GetRequiredService<GraphQLRequestExecutor>();
        const string query = "query Greeting($name: String) { hello(name: $name) }";

        var first = await server.Client.PostGraphQLAsync(new { query, variables = new { name = "Sarah" } });
        var second = await server.Client.PostGraphQLAsync(new { query, variables = new { name = "Tove" } });
        var deep = await server.Client.PostGraphQLAsync(new { query = GraphQLHttpTests.NestedNodes(5) });
        var slow = await server.Client.PostGraphQLAsync(new { query = "{ slow }" });

        Assert.Equal("Hello, Sarah!", first.Body.GetProperty("data").GetProperty("hello").GetString());
        Assert.Equal("Hello, Tove!", second.Body.GetProperty("data").GetProperty("hello").GetString());
        Assert.True(executor.IsCached(server.App.Services.GetRequiredService<ISchema>(), query));
        Assert.Equal(HttpStatusCode.BadRequest, deep.Status);
        Assert.EndsWith("exceeds the limit of 3 (ProfileGrid:GraphQL:MaxDepth)", deep.FirstErrorMessage);
        Assert.Equal("TIMEOUT", slow.FirstErrorCode);
    }
}
