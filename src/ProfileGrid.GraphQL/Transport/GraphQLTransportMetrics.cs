using System.Diagnostics.Metrics;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// Counters for the transports, on the meter <c>ProfileGrid.GraphQL.Transport</c>. Limits hit are
/// counted per limit name so an operator sees which one callers run into.
/// </summary>
internal sealed class GraphQLTransportMetrics
{
    public const string MeterName = "ProfileGrid.GraphQL.Transport";

    private readonly Counter<long> _httpRequests;
    private readonly Counter<long> _limitsHit;
    private readonly UpDownCounter<long> _webSocketConnections;
    private readonly UpDownCounter<long> _webSocketOperations;

    public GraphQLTransportMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _httpRequests = meter.CreateCounter<long>("profilegrid.graphql.http.requests", description: "GraphQL HTTP requests answered, by status code.");
        _limitsHit = meter.CreateCounter<long>("profilegrid.graphql.limits_hit", description: "Requests refused by a configured limit, by limit.");
        _webSocketConnections = meter.CreateUpDownCounter<long>("profilegrid.graphql.websocket.connections", description: "Open graphql-transport-ws connections.");
        _webSocketOperations = meter.CreateUpDownCounter<long>("profilegrid.graphql.websocket.operations", description: "Active operations on graphql-transport-ws connections.");
    }

    public void HttpRequestAnswered(int statusCode)
        => _httpRequests.Add(1, new KeyValuePair<string, object?>("status", statusCode));

    public void LimitHit(string limit)
        => _limitsHit.Add(1, new KeyValuePair<string, object?>("limit", limit));

    public void WebSocketConnectionOpened() => _webSocketConnections.Add(1);

    public void WebSocketConnectionClosed() => _webSocketConnections.Add(-1);

    public void WebSocketOperationStarted() => _webSocketOperations.Add(1);

    public void WebSocketOperationEnded() => _webSocketOperations.Add(-1);
}
