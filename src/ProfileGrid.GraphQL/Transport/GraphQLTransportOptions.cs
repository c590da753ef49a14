namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// Limits and behaviour of the GraphQL transports (GraphQL over HTTP and graphql-transport-ws),
/// bound from the configuration section <c>ProfileGrid:GraphQL</c>. Every limit is reported to the
/// caller by name when it is hit; none of them drops data silently.
/// </summary>
public sealed class GraphQLTransportOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "ProfileGrid:GraphQL";

    /// <summary>
    /// Largest accepted HTTP request body, and largest accepted WebSocket message, in bytes.
    /// Default 256 KiB.
    /// </summary>
    public int MaxRequestBytes { get; set; } = 256 * 1024;

    /// <summary>Deepest accepted selection nesting of an operation. Default 15.</summary>
    public int MaxDepth { get; set; } = 15;

    /// <summary>
    /// Highest accepted complexity of an operation, as computed by graphql-dotnet's complexity
    /// analyser (each field costs 1, list fields multiply their children by <c>first</c>/<c>last</c>
    /// or by 5). Default 2,000.
    /// </summary>
    public int MaxComplexity { get; set; } = 2_000;

    /// <summary>
    /// Longest time a query or mutation may execute, on HTTP and on WebSocket. A subscription's
    /// stream is not bounded by it: it lives until either side completes it. Default 10 s.
    /// </summary>
    public TimeSpan ExecutionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When true, the messages and stack traces of unhandled resolver exceptions are returned to
    /// callers. Meant for development only: messages may carry personal data or internals.
    /// </summary>
    public bool ExposeExceptions { get; set; }

    /// <summary>
    /// How long a WebSocket client has to send <c>connection_init</c> before the socket is closed
    /// with 4408. Default 3 s.
    /// </summary>
    public TimeSpan ConnectionInitWaitTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Operations (subscriptions, and queries or mutations still executing) one WebSocket connection
    /// may have active at once. A subscribe beyond it is answered with an <c>error</c> message.
    /// Default 100.
    /// </summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 100;

    /// <summary>
    /// Messages that may wait to be sent on one WebSocket connection. A client that reads more
    /// slowly than its subscriptions produce is disconnected (close code 1008) once this many are
    /// queued, rather than growing the server's memory without bound. Default 10,000.
    /// </summary>
    public int MaxPendingWebSocketMessages { get; set; } = 10_000;

    /// <summary>
    /// When set, the server sends a graphql-transport-ws <c>ping</c> message this often on every
    /// acknowledged connection (clients answer with <c>pong</c>). Null (the default) sends none;
    /// WebSocket-level keep-alive frames are configured separately with <c>UseWebSockets</c>.
    /// </summary>
    public TimeSpan? PingInterval { get; set; }
}
