namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>
/// A graphql-transport-ws client over ClientWebSocket that reads one message at a time, failing
/// the test when nothing arrives within a few seconds (no fixed sleeps anywhere).
/// </summary>
public sealed class GraphQLWebSocketTestClient : IAsyncDisposable
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(5);
    private readonly ClientWebSocket _socket;

    private GraphQLWebSocketTestClient(ClientWebSocket socket) => _socket = socket;

    public string? SubProtocol => _socket.SubProtocol;

    public static async Task<GraphQLWebSocketTestClient> ConnectAsync(Uri uri, string? subProtocol = "graphql-transport-ws")
    {
        var socket = new ClientWebSocket();
        if (subProtocol is not null)
        {
            socket.Options.AddSubProtocol(subProtocol);
        }

        using var timeout = new CancellationTokenSource(ReceiveTimeout);
        await socket.ConnectAsync(uri, timeout.Token);
        return new GraphQLWebSocketTestClient(socket);
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public async Task SendTextAsync(string text)
    {
        using var timeout = new CancellationTokenSource(ReceiveTimeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    /// <summary>Sends connection_init and expects connection_ack; returns the ack.</summary>
    public async Task<JsonElement> InitAsync(object? payload = null)
    {
        await SendAsync(payload is null ? new { type = "connection_init" } : new { type = "connection_init", payload });
        var ack = await ReceiveAsync();
        Assert.Equal("connection_ack", ack.GetProperty("type").GetString());
        return ack;
    }

    public Task SubscribeAsync(string id, string query, object? variables = null)
        => SendAsync(new { id, type = "subscribe", payload = new { query, variables } });

    /// <summary>The next message; fails if the socket closes instead.</summary>
    public async Task<JsonElement> ReceiveAsync()
    {
        var (type, text) = await ReceiveRawAsync();
        Assert.True(type == WebSocketMessageType.Text, $"expected a message, the server closed the socket: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>The next message, which must be of <paramref name="type"/> (and for <paramref name="id"/>).</summary>
    public async Task<JsonElement> ReceiveAsync(string type, string? id = null)
    {
        var message = await ReceiveAsync();
        Assert.Equal(type, message.GetProperty("type").GetString());
        if (id is not null)
        {
            Assert.Equal(id, message.GetProperty("id").GetString());
        }

        return message;
    }

    /// <summary>Expects the server to close the socket next; returns its close code and reason.</summary>
    public async Task<(int Code, string? Reason)> ReceiveCloseAsync()
    {
        var (type, text) = await ReceiveRawAsync();
        Assert.True(type == WebSocketMessageType.Close, $"expected the socket to close, received {text}");
        return ((int)_socket.CloseStatus!.Value, _socket.CloseStatusDescription);
    }

    /// <summary>Sends a ping and expects the very next message to be its pong: nothing else was queued before it.</summary>
    public async Task AssertNothingPendingAsync()
    {
        await SendAsync(new { type = "ping" });
        var message = await ReceiveAsync();
        Assert.Equal("pong", message.GetProperty("type").GetString());
    }

    public async Task CloseAsync()
    {
        using var timeout = new CancellationTokenSource(ReceiveTimeout);
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<(WebSocketMessageType Type, string Text)> ReceiveRawAsync()
    {
        using var timeout = new CancellationTokenSource(ReceiveTimeout);
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        try
        {
            do
            {
                result = await _socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"nothing received within {ReceiveTimeout.TotalSeconds} s");
        }

        return (result.MessageType, Encoding.UTF8.GetString(message.ToArray()));
    }
}
