using GraphQL.Types;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ProfileGrid.GraphQL.Transport.Tests.HttpTestExtensions;

namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>Behaviour that depends on options, each against its own server configured through ProfileGrid:GraphQL.</summary>
public sealed class GraphQLTransportOptionsTests
{
    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.GatewayTimeout)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task Execution_beyond_the_timeout_is_cancelled_with_a_timeout_error(string accept, HttpStatusCode expected)
    {
        await using var server = await TransportServer.StartAsync(new Dictionary<string, string?>
        {
            ["ProfileGrid:GraphQL:ExecutionTimeout"] = "00:00:00.200",
        });

        var response = await server.Client.PostGraphQLAsync(new { query = "{ slow }" }, accept);

        Assert.Equal(expected, response.Status);
        Assert.Equal("TIMEOUT", response.FirstErrorCode);
        Assert.Equal("execution exceeded the limit of 0.2 s (ProfileGrid:GraphQL:ExecutionTimeout) and was cancelled", response.FirstErrorMessage);
    }

    [Fact]
    public async Task Limits_are_read_from_the_configuration_section()
    {
        await using var server = await TransportServer.StartAsync(new Dictionary<string, string?>
        {
            ["ProfileGrid:GraphQL:MaxDepth"] = "3",
            ["ProfileGrid:GraphQL:MaxRequestBytes"] = "100",
        });

        var deep = await server.Client.PostGraphQLAsync(new { query = GraphQLHttpTests.NestedNodes(5) });
        var large = await server.Client.PostGraphQLAsync(new { query = "{ hello }", variables = new { padding = new string('x', 100) } });

        Assert.Equal(HttpStatusCode.BadRequest, deep.Status);
        Assert.EndsWith("exceeds the limit of 3 (ProfileGrid:GraphQL:MaxDepth)", deep.FirstErrorMessage);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.Status);
        Assert.Contains("exceeds the limit of 100 bytes", large.FirstErrorMessage);
    }

    [Fact]
    public async Task Exposing_exceptions_returns_the_resolver_exception_message()
    {
        await using var server = await TransportServer.StartAsync(new Dictionary<string, string?>
        {
            ["ProfileGrid:GraphQL:ExposeExceptions"] = "true",
        });

        var response = await server.Client.PostGraphQLAsync(new { query = "{ boom }" });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("secret internals of the boom resolver", response.FirstErrorMessage);
    }

    [Theory]
    [InlineData(GraphQLResponseJson)]
    [InlineData(Json)]
    public async Task Server_failure_before_execution_answers_500(string accept)
    {
        await using var server = await TransportServer.StartAsync(
            configure: builder => builder.Services.AddSingleton<BrokenSchema>(),
            map: app => app.MapGraphQLHttp<BrokenSchema>("/broken"));

        var response = await server.Client.PostGraphQLAsync(new { query = "{ __typename }" }, accept, path: "/broken");

        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        Assert.False(response.HasData);
    }

    [Fact]
    public async Task Mapping_a_schema_that_is_not_registered_fails_at_start_up()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => TransportServer.StartAsync(
            map: app => app.MapGraphQLHttp<BrokenSchema>("/broken")));

        Assert.Contains("No BrokenSchema is registered", failure.Message);
    }

    [Fact]
    public async Task Invalid_options_stop_the_host_from_starting_naming_the_key()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => TransportServer.StartAsync(new Dictionary<string, string?>
        {
            ["ProfileGrid:GraphQL:MaxDepth"] = "0",
        }));

        Assert.Contains("ProfileGrid:GraphQL:MaxDepth must be at least 1 (was 0)", failure.Message);
    }
}

/// <summary>A schema whose Query type has no fields, so it fails to initialise on first use.</summary>
public sealed class BrokenSchema : Schema
{
    public BrokenSchema() => Query = new ObjectGraphType { Name = "Query" };
}
