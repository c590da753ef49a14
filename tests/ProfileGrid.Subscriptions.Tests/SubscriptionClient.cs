namespace ProfileGrid.Subscriptions.Tests;

/// <summary>
/// A graphql-transport-ws client over <see cref="ClientWebSocket"/>, one message at a time; a read
/// that gets nothing within a few seconds fails the test instead of hanging (no sleeps anywhere).
/// </summary>
public sealed class SubscriptionClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ClientWebSocket _socket;

    private SubscriptionClient(ClientWebSocket socket) => _socket = socket;

    public string? SubProtocol => _socket.SubProtocol;

    public static async Task<SubscriptionClient> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(uri, timeout.Token);
        return new SubscriptionClient(socket);
    }

    /// <summary>Connects, sends connection_init and expects connection_ack.</summary>
    public static async Task<SubscriptionClient> ConnectAndInitAsync(Uri uri)
    {
        var client = await ConnectAsync(uri);
        await client.InitAsync();
        return client;
    }

    public async Task SendAsync(object message)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    public async Task InitAsync()
    {
        await SendAsync(new { type = "connection_init" });
        await ReceiveAsync("connection_ack");
    }

    public Task SubscribeAsync(string id, string query, object? variables = null) =>
        SendAsync(new { id, type = "subscribe", payload = new { query, variables } });

    /// <summary>Subscribes to segmentMembershipChanged, for one segment or (null) all.</summary>
    public Task SubscribeToChangesAsync(string id, string? segmentId) => SubscribeAsync(
        id,
        "subscription($segmentId: ID) { segmentMembershipChanged(segmentId: $segmentId) { segmentId profileId status at sequence } }",
        new { segmentId });

    public Task CompleteAsync(string id) => SendAsync(new { id, type = "complete" });

    public async Task<JsonElement> ReceiveAsync()
    {
        var (type, text) = await ReceiveRawAsync();
        Assert.True(type == WebSocketMessageType.Text, $"expected a message, the server closed the socket: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public async Task<JsonElement> ReceiveAsync(string type, string? id = null)
    {
        var message = await ReceiveAsync();
        Assert.Equal(type, message.GetProperty("type").GetString());
        if (id is not null) Assert.Equal(id, message.GetProperty("id").GetString());
        return message;
    }

    /// <summary>The next <c>next</c> message of subscription <paramref name="id"/>, as the change it carries.</summary>
    public async Task<ReceivedChange> ReceiveChangeAsync(string id)
    {
        var message = await ReceiveAsync("next", id);
        return ReceivedChange.From(message);
    }

    /// <summary>Expects the server to close the socket next; returns the close code and reason.</summary>
    public async Task<(int Code, string? Reason)> ReceiveCloseAsync()
    {
        var (type, text) = await ReceiveRawAsync();
        Assert.True(type == WebSocketMessageType.Close, $"expected the socket to close, received {text}");
        return ((int)_socket.CloseStatus!.Value, _socket.CloseStatusDescription);
    }

    /// <summary>Pings and expects the very next message to be the pong: nothing else was queued for this client.</summary>
    public async Task AssertNothingPendingAsync()
    {
        await SendAsync(new { type = "ping" });
        await ReceiveAsync("pong");
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<(WebSocketMessageType Type, string Text)> ReceiveRawAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
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
            throw new TimeoutException($"nothing received within {Timeout.TotalSeconds} s");
        }

        return (result.MessageType, Encoding.UTF8.GetString(message.ToArray()));
    }
}

/// <summary>A change as a subscriber sees it on the wire.</summary>
public sealed record ReceivedChange(string SegmentId, string ProfileId, string Status, DateTimeOffset At, long Sequence)
{
    public static ReceivedChange From(JsonElement next)
    {
        var payload = next.GetProperty("payload");
        Assert.False(payload.TryGetProperty("errors", out var errors), $"errors: {errors}");
        var change = payload.GetProperty("data").GetProperty("segmentMembershipChanged");
        return new ReceivedChange(
            change.GetProperty("segmentId").GetString()!,
            change.GetProperty("profileId").GetString()!,
            change.GetProperty("status").GetString()!,
            DateTimeOffset.Parse(change.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            change.GetProperty("sequence").GetInt64());
    }
}
