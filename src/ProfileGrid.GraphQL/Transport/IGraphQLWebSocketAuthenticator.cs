using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// Decides whether a graphql-transport-ws connection is acknowledged. Called once per connection
/// with the <c>connection_init</c> payload (where browser clients put their token, since they cannot
/// set headers on a WebSocket upgrade) and the upgrade request (already through the host's
/// authentication middleware, so <see cref="HttpContext.User"/> is set when a cookie or header
/// authenticated it). A rejection closes the socket with 4403 Forbidden. Register one with
/// <c>services.AddSingleton&lt;IGraphQLWebSocketAuthenticator, MyAuthenticator&gt;()</c>; the
/// default accepts every connection as the upgrade request's user.
/// </summary>
public interface IGraphQLWebSocketAuthenticator
{
    /// <summary>
    /// Accepts or rejects a connection. <paramref name="payload"/> is the connection_init payload
    /// object, or null when the client sent none. The result's user, when set, replaces
    /// <see cref="HttpContext.User"/> for every operation of the connection.
    /// </summary>
    ValueTask<GraphQLWebSocketInitResult> AuthenticateAsync(
        HttpContext httpContext,
        JsonElement? payload,
        CancellationToken cancellationToken);
}
