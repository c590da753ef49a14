namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// The WebSocket close codes the graphql-transport-ws endpoint uses: the protocol's own (44xx)
/// and the standard ones for the conditions the protocol leaves open.
/// </summary>
public static class GraphQLWebSocketCloseCodes
{
    /// <summary>The client closed the socket, or the server answered its close.</summary>
    public const int NormalClosure = 1000;

    /// <summary>The server is shutting down.</summary>
    public const int GoingAway = 1001;

    /// <summary>The client reads more slowly than its subscriptions produce (<c>MaxPendingWebSocketMessages</c>).</summary>
    public const int PolicyViolation = 1008;

    /// <summary>A message was larger than <c>MaxRequestBytes</c>.</summary>
    public const int MessageTooBig = 1009;

    /// <summary>Invalid message: not JSON, unknown type, missing id or payload.</summary>
    public const int BadRequest = 4400;

    /// <summary>A subscribe arrived before the connection was acknowledged.</summary>
    public const int Unauthorized = 4401;

    /// <summary>The connection_init was rejected by the <see cref="IGraphQLWebSocketAuthenticator"/>.</summary>
    public const int Forbidden = 4403;

    /// <summary>The client did not offer the <c>graphql-transport-ws</c> subprotocol.</summary>
    public const int SubprotocolNotAcceptable = 4406;

    /// <summary>No acknowledged connection_init within <c>ConnectionInitWaitTimeout</c>.</summary>
    public const int ConnectionInitialisationTimeout = 4408;

    /// <summary>A subscribe reused the id of an operation that is still active.</summary>
    public const int SubscriberAlreadyExists = 4409;

    /// <summary>A second connection_init on one connection.</summary>
    public const int TooManyInitialisationRequests = 4429;

    /// <summary>The server failed (e.g. the authenticator threw).</summary>
    public const int InternalServerError = 4500;
}
