namespace ProfileGrid.Testing.Subscriptions;

/// <summary>
/// A graphql-transport-ws client over <see cref="ClientWebSocket"/> that reads one message at a time.
/// A read that gets nothing within the receive timeout fails the test instead of hanging (no sleeps
/// anywhere). The default of 30 s is generous on purpose: a loaded 2-core CI machine running silos
/// can take seconds to deliver, and the timeout only bounds how long a failing test waits.
/// </summary>
public sealed class GraphQLWebSocketTestClient : IAsyncDisposable
{
    public const string SubProtocolName = "graphql-transport-ws";

    public static readonly TimeSpan DefaultReceiveTimeout = TimeSpan.FromSeconds(30);

    private readonly ClientWebSocket _socket;
    private readonly TimeSpan _timeout;

    private GraphQLWebSocketTestClient(ClientWebSocket socket, TimeSpan timeout) => (_socket, _timeout) = (socket, timeout);

    public string? SubProtocol => _socket.SubProtocol;

    /// <summary>
    /// Opens the socket, offering <paramref name="subProtocol"/> (none when null, to test the server's
    /// refusal); <paramref name="receiveTimeout"/> bounds every connect, send and receive.
    /// </summary>
    public static async Task<GraphQLWebSocketTestClient> ConnectAsync(Uri uri, string? subProtocol = SubProtocolName, TimeSpan? receiveTimeout = null)
    {
        var timeout = receiveTimeout ?? DefaultReceiveTimeout;
        var socket = new ClientWebSocket();
        if (subProtocol is not null)
        {
            socket.Options.AddSubProtocol(subProtocol);
        }

        using var cancel = new CancellationTokenSource(timeout);
        await socket.ConnectAsync(uri, cancel.Token);
        return new GraphQLWebSocketTestClient(socket, timeout);
    }

    /// <summary>Connects, sends connection_init and expects connection_ack.</summary>
    public static async Task<GraphQLWebSocketTestClient> ConnectAndInitAsync(Uri uri, TimeSpan? receiveTimeout = null)
    {
        var client = await ConnectAsync(uri, SubProtocolName, receiveTimeout);
        await client.InitAsync();
        return client;
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    /// <summary>Sends <paramref name="text"/> as it is, so tests can send what no serializer would.</summary>
    public async Task SendTextAsync(string text)
    {
        using var cancel = new CancellationTokenSource(_timeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancel.Token);
    }

    /// <summary>Sends connection_init (with <paramref name="payload"/> when given) and expects connection_ack; returns the ack.</summary>
    public async Task<JsonElement> InitAsync(object? payload = null)
    {
        await SendAsync(payload is null ? new { type = "connection_init" } : new { type = "connection_init", payload });
        return await ReceiveAsync("connection_ack");
    }

    public Task SubscribeAsync(string id, string query, object? variables = null)
        => SendAsync(new { id, type = "subscribe", payload = new { query, variables } });

    /// <summary>Stops subscription <paramref name="id"/>.</summary>
    public Task CompleteAsync(string id) => SendAsync(new { id, type = "complete" });

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
        await ReceiveAsync("pong");
    }

    /// <summary>Closes the socket the polite way, as a browser leaving the page would.</summary>
    public async Task CloseAsync()
    {
        using var cancel = new CancellationTokenSource(_timeout);
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cancel.Token);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<(WebSocketMessageType Type, string Text)> ReceiveRawAsync()
    {
        using var cancel = new CancellationTokenSource(_timeout);
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        try
        {
            do
            {
                result = await _socket.ReceiveAsync(buffer, cancel.Token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"nothing received within {_timeout.TotalSeconds} s");
        }

        return (result.MessageType, Encoding.UTF8.GetString(message.ToArray()));
    }
}
