using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// The default: every connection is acknowledged as the upgrade request's user. Endpoint
/// authorization (<c>MapGraphQLHttp(...).RequireAuthorization()</c>) still applies to the upgrade.
/// </summary>
internal sealed class AcceptingGraphQLWebSocketAuthenticator : IGraphQLWebSocketAuthenticator
{
    private static readonly ValueTask<GraphQLWebSocketInitResult> Accepted = new(GraphQLWebSocketInitResult.Accept());

    public ValueTask<GraphQLWebSocketInitResult> AuthenticateAsync(HttpContext httpContext, JsonElement? payload, CancellationToken cancellationToken)
        => Accepted;
}
