namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// The <c>extensions.code</c> values the transports put on the errors they raise themselves.
/// Errors raised by graphql-dotnet keep its own codes (<c>SYNTAX_ERROR</c>, validation rule codes,
/// and codes derived from exception types).
/// </summary>
public static class GraphQLTransportErrorCodes
{
    /// <summary>The request body or a JSON-encoded parameter is not valid JSON.</summary>
    public const string InvalidJson = "INVALID_JSON";

    /// <summary>The request is not a well-formed GraphQL request (missing query, wrong parameter types).</summary>
    public const string InvalidRequest = "INVALID_REQUEST";

    /// <summary>The request body exceeds <c>MaxRequestBytes</c>.</summary>
    public const string RequestTooLarge = "REQUEST_TOO_LARGE";

    /// <summary>The request's Content-Type is missing or not <c>application/json</c>.</summary>
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";

    /// <summary>The Accept header admits none of the response media types.</summary>
    public const string NotAcceptable = "NOT_ACCEPTABLE";

    /// <summary>The HTTP method cannot carry this request (e.g. a mutation over GET).</summary>
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";

    /// <summary>A subscription was sent over HTTP; subscriptions are served by WebSocket.</summary>
    public const string SubscriptionRequiresWebSocket = "SUBSCRIPTION_REQUIRES_WEBSOCKET";

    /// <summary>The operation nests deeper than <c>MaxDepth</c>.</summary>
    public const string MaxDepthExceeded = "MAX_DEPTH_EXCEEDED";

    /// <summary>The operation's complexity exceeds <c>MaxComplexity</c>.</summary>
    public const string MaxComplexityExceeded = "MAX_COMPLEXITY_EXCEEDED";

    /// <summary>Execution took longer than <c>ExecutionTimeout</c> and was cancelled.</summary>
    public const string Timeout = "TIMEOUT";

    /// <summary>A WebSocket connection already has <c>MaxSubscriptionsPerConnection</c> active operations.</summary>
    public const string TooManySubscriptions = "TOO_MANY_SUBSCRIPTIONS";

    /// <summary>The server failed for a reason that is not the request's fault.</summary>
    public const string InternalServerError = "INTERNAL_SERVER_ERROR";
}
