using System.Security.Claims;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>The answer of an <see cref="IGraphQLWebSocketAuthenticator"/> to a connection_init.</summary>
public sealed class GraphQLWebSocketInitResult
{
    private GraphQLWebSocketInitResult(bool isAccepted, ClaimsPrincipal? user, IReadOnlyDictionary<string, object?>? ackPayload, string? rejectionReason)
    {
        IsAccepted = isAccepted;
        User = user;
        AckPayload = ackPayload;
        RejectionReason = rejectionReason;
    }

    /// <summary>Whether the connection is acknowledged.</summary>
    public bool IsAccepted { get; }

    /// <summary>The user operations run as; null keeps the upgrade request's user.</summary>
    public ClaimsPrincipal? User { get; }

    /// <summary>The payload of the connection_ack message, if any.</summary>
    public IReadOnlyDictionary<string, object?>? AckPayload { get; }

    /// <summary>Why the connection was rejected; logged, not sent (the close reason stays "Forbidden").</summary>
    public string? RejectionReason { get; }

    /// <summary>Acknowledges the connection, optionally as another user and with an ack payload.</summary>
    public static GraphQLWebSocketInitResult Accept(ClaimsPrincipal? user = null, IReadOnlyDictionary<string, object?>? ackPayload = null)
        => new(isAccepted: true, user, ackPayload, rejectionReason: null);

    /// <summary>Rejects the connection: the socket is closed with 4403 Forbidden.</summary>
    public static GraphQLWebSocketInitResult Reject(string reason)
        => new(isAccepted: false, user: null, ackPayload: null, reason);
}
