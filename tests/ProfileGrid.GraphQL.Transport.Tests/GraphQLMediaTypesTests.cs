using Microsoft.Extensions.Primitives;

namespace ProfileGrid.GraphQL.Transport.Tests;

public sealed class GraphQLMediaTypesTests
{
    [Theory]
    [InlineData(null, GraphQLMediaTypes.GraphQLResponseJson)]
    [InlineData("", GraphQLMediaTypes.GraphQLResponseJson)]
    [InlineData("application/json", GraphQLMediaTypes.Json)]
    [InlineData("application/json;q=0.9, application/graphql-response+json;q=0.9", GraphQLMediaTypes.GraphQLResponseJson)]
    [InlineData("application/graphql-response+json;q=0.1, application/*;q=0.5", GraphQLMediaTypes.Json)]
    [InlineData("application/graphql-response+json; charset=iso-8859-1, application/json", GraphQLMediaTypes.Json)]
    [InlineData("text/plain", null)]
    [InlineData("*/*;q=0", null)]
    public void Negotiation_picks_the_most_acceptable_media_type(string? accept, string? expected)
        => Assert.Equal(expected, GraphQLMediaTypes.NegotiateResponse(new StringValues(accept)));
}
