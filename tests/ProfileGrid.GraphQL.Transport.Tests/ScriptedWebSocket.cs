using System.Threading.Channels;

namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>
/// A server-side WebSocket whose peer is the test: the test feeds incoming messages, reads what was
/// sent, and can hold every send (a peer that stops reading) until it lets them through.
/// </summary>
public sealed class ScriptedWebSocket : WebSocket
{
    private readonly Channel<(WebSocketMessageType Type, byte[] Bytes, WebSocketCloseStatus? Status)> _incoming = Channel.CreateUnbounded<(WebSocketMessageType, byte[], WebSocketCloseStatus?)>();
    private readonly Channel<string> _sent = Channel.CreateUnbounded<string>();
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private WebSocketState _state = WebSocketState.Open;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeDescription;

    public override WebSocketCloseStatus? CloseStatus => _closeStatus;

    public override string? CloseStatusDescription => _closeDescription;

    public override WebSocketState State => _state;

    public override string? SubProtocol => "graphql-transport-ws";

    /// <summary>What the server sent, in order; a close frame reads as "close CODE REASON".</summary>
    public ChannelReader<string> Sent => _sent.Reader;

    public void Receive(string text) => _incoming.Writer.TryWrite((WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text), null));

    /// <summary>Makes every send wait until <see cref="ResumeSending"/>.</summary>
    public Task HoldSendingAsync() => _sendGate.WaitAsync();

    public void ResumeSending() => _sendGate.Release();

    public async Task<string> NextSentAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await _sent.Reader.ReadAsync(timeout.Token);
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var (type, bytes, status) = await _incoming.Reader.ReadAsync(cancellationToken);
        if (type == WebSocketMessageType.Close)
        {
            _state = _state == WebSocketState.CloseSent ? WebSocketState.Closed : WebSocketState.CloseReceived;
            _closeStatus ??= status;
            return new WebSocketReceiveResult(0, WebSocketMessageType.Close, true, status, string.Empty);
        }

        bytes.CopyTo(buffer.Array!, buffer.Offset);
        return new WebSocketReceiveResult(bytes.Length, type, endOfMessage: true);
    }

    public override async Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            _sent.Writer.TryWrite(Encoding.UTF8.GetString(buffer));
        }
        finally
        {
            _sendGate.Release();
        }
    }

    public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken);
        _sendGate.Release();
        _closeStatus = closeStatus;
        _closeDescription = statusDescription;
        _state = _state == WebSocketState.CloseReceived ? WebSocketState.Closed : WebSocketState.CloseSent;
        _sent.Writer.TryWrite($"close {(int)closeStatus} {statusDescription}");

        // The peer answers the close at once.
        _incoming.Writer.TryWrite((WebSocketMessageType.Close, [], closeStatus));
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        => CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override void Abort()
    {
        _state = WebSocketState.Aborted;
        _incoming.Writer.TryComplete(new WebSocketException(WebSocketError.ConnectionClosedPrematurely));
    }

    public override void Dispose() => Abort();
}
