using System.Net.WebSockets;
using GraphQL.Types;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>Accepts WebSocket upgrades for one schema and runs graphql-transport-ws on them.</summary>
internal sealed class GraphQLWebSocketEndpoint<TSchema>
    where TSchema : ISchema
{
    /// <summary>The only subprotocol served. The older Apollo protocol is named "graphql-ws".</summary>
    public const string SubProtocol = "graphql-transport-ws";

    private readonly GraphQLRequestExecutor _executor;
    private readonly IGraphQLWebSocketAuthenticator _authenticator;
    private readonly IServiceScopeFactory _scopeFactory;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly TimeProvider _timeProvider;
    private readonly GraphQLTransportMetrics _metrics;
    private readonly ILogger _logger;

    public GraphQLWebSocketEndpoint(
        GraphQLRequestExecutor executor,
        IGraphQLWebSocketAuthenticator authenticator,
        IServiceScopeFactory scopeFactory,
        IServiceProvider services,
        TimeProvider timeProvider,
        GraphQLTransportMetrics metrics,
        ILogger<GraphQLWebSocketEndpoint<TSchema>> logger)
    {
        _executor = executor;
        _authenticator = authenticator;
        _scopeFactory = scopeFactory;
        _lifetime = services.GetService<IHostApplicationLifetime>();
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var acceptable = offered.Contains(SubProtocol, StringComparer.Ordinal);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(acceptable ? SubProtocol : null);
        if (!acceptable)
        {
            // Accepting first and closing with 4406 (as the graphql-ws reference server does) tells
            // the client why; refusing the upgrade would only show it a failed handshake.
            _logger.LogInformation("WebSocket refused: subprotocols [{Offered}] do not include {SubProtocol}", string.Join(", ", offered), SubProtocol);
            await CloseAsync(socket, GraphQLWebSocketCloseCodes.SubprotocolNotAcceptable, "Subprotocol not acceptable", context.RequestAborted);
            return;
        }

        var schema = context.RequestServices.GetRequiredService<TSchema>();
        var connection = new GraphQLWebSocketConnection(socket, context, schema, _executor, _authenticator, _scopeFactory, _timeProvider, _metrics, _logger);
        await connection.RunAsync(_lifetime?.ApplicationStopping ?? CancellationToken.None);
    }

    private async Task CloseAsync(WebSocket socket, int code, string reason, CancellationToken requestAborted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, requestAborted);
        try
        {
            await socket.CloseAsync((WebSocketCloseStatus)code, reason, linked.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            socket.Abort();
        }
    }
}
