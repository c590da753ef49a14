using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// One graphql-transport-ws connection: reads client messages in order, runs each operation
/// concurrently in its own service scope, and sends every outgoing message through one queue drained
/// by a single writer, so messages of one operation leave in the order they were produced and the
/// socket never sees two concurrent sends.
/// </summary>
internal sealed class GraphQLWebSocketConnection
{
    /// <summary>How long the peer gets to answer our close frame before the socket is aborted.</summary>
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly WebSocket _socket;
    private readonly HttpContext _httpContext;
    private readonly ISchema _schema;
    private readonly GraphQLRequestExecutor _executor;
    private readonly IGraphQLWebSocketAuthenticator _authenticator;
    private readonly IServiceScopeFactory _scopeFactory;
    private readonly TimeProvider _timeProvider;
    private readonly GraphQLTransportMetrics _metrics;
    private readonly ILogger _logger;
    private readonly GraphQLTransportOptions _options;

    private readonly Channel<OutgoingMessage> _outbox = Channel.CreateUnbounded<OutgoingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Operation, Task> _runningOperations = new();
    private readonly CancellationTokenSource _connectionClosing = new();
    private readonly CancellationTokenSource _receiveAbort = new();

    private ClaimsPrincipal _user;
    private int _pendingMessages;
    private int _closeRequested;
    private volatile bool _initReceived;
    private volatile bool _acknowledged;

    public GraphQLWebSocketConnection(
        WebSocket socket,
        HttpContext httpContext,
        ISchema schema,
        GraphQLRequestExecutor executor,
        IGraphQLWebSocketAuthenticator authenticator,
        IServiceScopeFactory scopeFactory,
        TimeProvider timeProvider,
        GraphQLTransportMetrics metrics,
        ILogger logger)
    {
        _socket = socket;
        _httpContext = httpContext;
        _schema = schema;
        _executor = executor;
        _authenticator = authenticator;
        _scopeFactory = scopeFactory;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _options = executor.Options;
        _user = httpContext.User;
    }

    public async Task RunAsync(CancellationToken applicationStopping)
    {
        _metrics.WebSocketConnectionOpened();
        using var stopping = applicationStopping.Register(() => RequestClose(GraphQLWebSocketCloseCodes.GoingAway, "Server is shutting down"));
        var writer = Task.Run(WriteLoopAsync);
        var initialisationWatch = WatchInitialisationAsync();
        var pings = SendPingsAsync();
        try
        {
            await ReceiveLoopAsync();
        }
        finally
        {
            // Answers the client's close frame with its own code (1000 when it gave none); a no-op
            // when we sent ours first.
            var clientCode = _socket.CloseStatus is { } status && status != WebSocketCloseStatus.Empty
                ? (int)status
                : GraphQLWebSocketCloseCodes.NormalClosure;
            RequestClose(clientCode, string.Empty);
            await WaitOrAbortAsync(writer);
            await WaitForOperationsAsync();
            await initialisationWatch;
            await pings;
            _receiveAbort.Dispose();
            _connectionClosing.Dispose();
            _metrics.WebSocketConnectionClosed();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        var limit = _options.MaxRequestBytes;
        try
        {
            while (true)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult received;
                var tooBig = false;
                do
                {
                    received = await _socket.ReceiveAsync(buffer.GetMemory(4096), _receiveAbort.Token);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    if (tooBig)
                    {
                        continue; // drop the rest of an oversized message
                    }

                    buffer.Advance(received.Count);
                    if (buffer.WrittenCount > limit)
                    {
                        tooBig = true;
                        buffer.ResetWrittenCount();
                    }
                }
                while (!received.EndOfMessage);

                if (Volatile.Read(ref _closeRequested) == 1)
                {
                    continue; // closing: wait for the peer's close frame, ignore everything else
                }

                if (tooBig)
                {
                    _metrics.LimitHit(nameof(GraphQLTransportOptions.MaxRequestBytes));
                    Close(GraphQLWebSocketCloseCodes.MessageTooBig, $"Message larger than {limit} bytes ({GraphQLTransportOptions.SectionName}:{nameof(GraphQLTransportOptions.MaxRequestBytes)})");
                    continue;
                }

                if (received.MessageType != WebSocketMessageType.Text)
                {
                    Close(GraphQLWebSocketCloseCodes.BadRequest, "Invalid message received: binary frames are not part of graphql-transport-ws");
                    continue;
                }

                await HandleMessageAsync(buffer.WrittenMemory);
            }
        }
        catch (OperationCanceledException)
        {
            // Our close frame went unanswered, or the server is going down: the socket is aborted.
        }
        catch (WebSocketException exception)
        {
            _logger.LogDebug(exception, "graphql-transport-ws connection lost");
        }
    }

    private async Task HandleMessageAsync(ReadOnlyMemory<byte> message)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message, GraphQLRequestReader.DocumentOptions);
        }
        catch (JsonException exception)
        {
            Invalid(GraphQLRequestReader.DescribeJsonError("message", exception));
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Invalid($"a message must be a JSON object, not {GraphQLRequestReader.Describe(root.ValueKind)}");
                return;
            }

            if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                Invalid("\"type\" must be a string");
                return;
            }

            var hasPayload = root.TryGetProperty("payload", out var payload) && payload.ValueKind != JsonValueKind.Null;
            switch (type.GetString())
            {
                case "connection_init":
                    await OnConnectionInitAsync(hasPayload ? payload : null);
                    break;
                case "ping":
                    if (IsObjectOrAbsent("ping", payload, hasPayload))
                    {
                        Enqueue(OutgoingMessage.Create("pong", id: null, hasPayload ? payload.Clone() : null));
                    }

                    break;
                case "pong":
                    IsObjectOrAbsent("pong", payload, hasPayload);
                    break;
                case "subscribe":
                    OnSubscribe(root, hasPayload ? payload : null);
                    break;
                case "complete":
                    if (TryReadId(root, "complete", out var id) && _operations.TryGetValue(id, out var operation))
                    {
                        TryEnd(operation); // the client stopped listening: nothing more is sent for this id
                    }

                    break;
                case var other:
                    Invalid($"unexpected message type '{other}'");
                    break;
            }
        }
    }

    private async Task OnConnectionInitAsync(JsonElement? payload)
    {
        if (_initReceived)
        {
            Close(GraphQLWebSocketCloseCodes.TooManyInitialisationRequests, "Too many initialisation requests");
            return;
        }

        _initReceived = true;
        if (payload is { ValueKind: not JsonValueKind.Object })
        {
            Invalid("connection_init payload must be an object");
            return;
        }

        GraphQLWebSocketInitResult result;
        try
        {
            result = await _authenticator.AuthenticateAsync(_httpContext, payload?.Clone(), _connectionClosing.Token);
        }
        catch (OperationCanceledException) when (_connectionClosing.IsCancellationRequested)
        {
            return;
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "graphql-transport-ws authenticator failed");
            Close(GraphQLWebSocketCloseCodes.InternalServerError, "Internal server error");
            return;
        }

        if (!result.IsAccepted)
        {
            _logger.LogInformation("graphql-transport-ws connection rejected: {Reason}", result.RejectionReason);
            Close(GraphQLWebSocketCloseCodes.Forbidden, "Forbidden");
            return;
        }

        if (result.User is not null)
        {
            _user = result.User;
        }

        _acknowledged = true;
        Enqueue(OutgoingMessage.Create("connection_ack", id: null, result.AckPayload));
    }

    private void OnSubscribe(JsonElement root, JsonElement? payload)
    {
        if (!_acknowledged)
        {
            Close(GraphQLWebSocketCloseCodes.Unauthorized, "Unauthorized");
            return;
        }

        if (!TryReadId(root, "subscribe", out var id))
        {
            return;
        }

        if (payload is not { } requestPayload)
        {
            Invalid("subscribe needs a payload with a \"query\" string");
            return;
        }

        if (!GraphQLRequestReader.TryRead(requestPayload, _executor.Serializer, "subscribe payload", out var request, out var error))
        {
            Invalid(error);
            return;
        }

        if (_operations.ContainsKey(id))
        {
            Close(GraphQLWebSocketCloseCodes.SubscriberAlreadyExists, $"Subscriber for {id} already exists");
            return;
        }

        var limit = _options.MaxSubscriptionsPerConnection;
        if (_operations.Count >= limit)
        {
            _metrics.LimitHit(nameof(GraphQLTransportOptions.MaxSubscriptionsPerConnection));
            var message = $"this connection already has {_operations.Count} active operations, the limit of {limit} ({GraphQLTransportOptions.SectionName}:{nameof(GraphQLTransportOptions.MaxSubscriptionsPerConnection)}): complete one or open another connection";
            _logger.LogInformation("graphql-transport-ws subscribe refused: {Reason}", message);
            Enqueue(OutgoingMessage.Create("error", id, new[] { GraphQLErrorResults.Error(GraphQLTransportErrorCodes.TooManySubscriptions, message) }));
            return;
        }

        var operation = new Operation(id, _connectionClosing.Token);
        _operations[id] = operation;
        _metrics.WebSocketOperationStarted();
        // Runs beside the receive loop, which goes on reading (a complete for this id included).
        var run = new Task<Task>(() => RunOperationAsync(operation, request));
        _runningOperations[operation] = run.Unwrap();
        run.Start(TaskScheduler.Default);
    }

    private async Task RunOperationAsync(Operation operation, GraphQLRequest request)
    {
        try
        {
            await using var scope = _scopeFactory.CreateAsyncScope();
            var outcome = await _executor.ExecuteAsync(_schema, request, GraphQLTransportKind.WebSocket, _user, scope.ServiceProvider, operation.Token);
            if (operation.IsStopped)
            {
                return; // completed by the client, or the connection is closing
            }

            if (outcome.Status is GraphQLExecutionStatus.RequestError or GraphQLExecutionStatus.ServerError)
            {
                if (TryEnd(operation))
                {
                    Enqueue(OutgoingMessage.Create("error", operation.Id, outcome.Result.Errors?.ToArray() ?? []));
                }

                return;
            }

            if (outcome.Result.Streams is { Count: > 0 } streams)
            {
                // A valid subscription has exactly one root field, hence one stream.
                var stream = streams.Values.First();
                operation.Attach(stream.Subscribe(new StreamObserver(this, operation)));
                await operation.Ended; // the scope lives as long as the subscription
                return;
            }

            // Queries, mutations, timeouts and subscriptions that failed to start: one result.
            if (TryEnd(operation))
            {
                Enqueue(OutgoingMessage.Create("next", operation.Id, outcome.Result));
                Enqueue(OutgoingMessage.Create("complete", operation.Id, payload: null));
            }
        }
        catch (OperationCanceledException) when (operation.IsStopped || _connectionClosing.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "graphql-transport-ws operation {Id} failed", operation.Id);
            if (TryEnd(operation))
            {
                var message = _options.ExposeExceptions ? exception.Message : "the server failed to execute the operation";
                Enqueue(OutgoingMessage.Create("error", operation.Id, new[] { GraphQLErrorResults.Error(GraphQLTransportErrorCodes.InternalServerError, message) }));
            }
        }
        finally
        {
            TryEnd(operation);
            operation.Dispose();
            _runningOperations.TryRemove(operation, out _);
        }
    }

    /// <summary>Stops an operation once; true for the caller that stopped it.</summary>
    private bool TryEnd(Operation operation)
    {
        if (!operation.TryStop())
        {
            return false;
        }

        _operations.TryRemove(new KeyValuePair<string, Operation>(operation.Id, operation));
        _metrics.WebSocketOperationEnded();
        return true;
    }

    private bool TryReadId(JsonElement root, string type, out string id)
    {
        if (root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String && idElement.GetString() is { Length: > 0 } value)
        {
            id = value;
            return true;
        }

        id = string.Empty;
        Invalid($"{type} needs a non-empty string \"id\"");
        return false;
    }

    private bool IsObjectOrAbsent(string type, JsonElement payload, bool hasPayload)
    {
        if (hasPayload && payload.ValueKind != JsonValueKind.Object)
        {
            Invalid($"{type} payload must be an object");
            return false;
        }

        return true;
    }

    private void Invalid(string reason)
    {
        _logger.LogInformation("graphql-transport-ws invalid message: {Reason}", reason);
        Close(GraphQLWebSocketCloseCodes.BadRequest, "Invalid message received: " + reason);
    }

    private void Close(int code, string reason)
    {
        if (code != GraphQLWebSocketCloseCodes.NormalClosure && code != GraphQLWebSocketCloseCodes.GoingAway)
        {
            _logger.LogDebug("Closing graphql-transport-ws connection: {Code} {Reason}", code, reason);
        }

        RequestClose(code, reason);
    }

    /// <summary>
    /// Queues the close frame behind whatever is already queued, refuses further messages and stops
    /// every operation at once, without waiting for the peer's closing handshake. Only the first
    /// request counts.
    /// </summary>
    private void RequestClose(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 1)
        {
            return;
        }

        _outbox.Writer.TryWrite(OutgoingMessage.CloseWith(code, reason));
        _outbox.Writer.TryComplete();

        // A peer that neither reads what is queued nor answers the close is cut off.
        _receiveAbort.CancelAfter(CloseHandshakeTimeout);
        _connectionClosing.Cancel();
        foreach (var operation in _operations.Values)
        {
            TryEnd(operation);
        }
    }

    private void Enqueue(OutgoingMessage message)
    {
        var pending = Interlocked.Increment(ref _pendingMessages);
        if (pending > _options.MaxPendingWebSocketMessages)
        {
            Interlocked.Decrement(ref _pendingMessages);
            _metrics.LimitHit(nameof(GraphQLTransportOptions.MaxPendingWebSocketMessages));
            _logger.LogWarning(
                "graphql-transport-ws client reads too slowly: {Pending} messages queued, the limit of {Limit} ({Section}:{Key}); disconnecting",
                pending - 1,
                _options.MaxPendingWebSocketMessages,
                GraphQLTransportOptions.SectionName,
                nameof(GraphQLTransportOptions.MaxPendingWebSocketMessages));
            RequestClose(GraphQLWebSocketCloseCodes.PolicyViolation, $"Client too slow: more than {_options.MaxPendingWebSocketMessages} messages pending");
            return;
        }

        if (!_outbox.Writer.TryWrite(message))
        {
            Interlocked.Decrement(ref _pendingMessages); // closing: nothing more goes out
        }
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var json = new Utf8JsonWriter(buffer);
        try
        {
            await foreach (var message in _outbox.Reader.ReadAllAsync())
            {
                Interlocked.Decrement(ref _pendingMessages);
                if (message.Type is null)
                {
                    if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync((WebSocketCloseStatus)message.CloseCode, Truncate(message.CloseReason), CancellationToken.None);
                    }

                    _receiveAbort.CancelAfter(CloseHandshakeTimeout);
                    return;
                }

                if (!TrySerialize(json, buffer, message))
                {
                    RequestClose(GraphQLWebSocketCloseCodes.InternalServerError, "Internal server error");
                    continue;
                }

                await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            _logger.LogDebug(exception, "graphql-transport-ws send failed; the connection is gone");
            _receiveAbort.Cancel();
        }
    }

    private bool TrySerialize(Utf8JsonWriter json, ArrayBufferWriter<byte> buffer, OutgoingMessage message)
    {
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        try
        {
            json.WriteStartObject();
            if (message.Id is not null)
            {
                json.WriteString("id", message.Id);
            }

            json.WriteString("type", message.Type);
            if (message.Payload is not null)
            {
                json.WritePropertyName("payload");
                JsonSerializer.Serialize(json, message.Payload, message.Payload.GetType(), _executor.Serializer.Options);
            }

            json.WriteEndObject();
            json.Flush();
            return true;
        }
        catch (Exception exception)
        {
            // E.g. a resolver value a custom scalar cannot serialize: the client cannot be told in
            // band without breaking the message order, so the connection ends with 4500.
            _logger.LogError(exception, "graphql-transport-ws {Type} message for {Id} could not be serialized", message.Type, message.Id);
            return false;
        }
    }

    private async Task WatchInitialisationAsync()
    {
        try
        {
            await Task.Delay(_options.ConnectionInitWaitTimeout, _timeProvider, _connectionClosing.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (!_acknowledged)
        {
            Close(GraphQLWebSocketCloseCodes.ConnectionInitialisationTimeout, "Connection initialisation timeout");
        }
    }

    private async Task SendPingsAsync()
    {
        if (_options.PingInterval is not { } interval)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(_connectionClosing.Token))
            {
                if (_acknowledged)
                {
                    Enqueue(OutgoingMessage.Create("ping", id: null, payload: null));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Waits for a task a bounded time, then aborts the socket so it ends.</summary>
    private async Task WaitOrAbortAsync(Task task)
    {
        try
        {
            await task.WaitAsync(CloseHandshakeTimeout, _timeProvider);
        }
        catch (TimeoutException)
        {
            _socket.Abort();
            await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Operations were cancelled; their scopes are disposed as they finish. One that ignores its
    /// cancellation is left behind after a bounded wait rather than holding the connection open.
    /// </summary>
    private async Task WaitForOperationsAsync()
    {
        try
        {
            await Task.WhenAll(_runningOperations.Values).WaitAsync(CloseHandshakeTimeout, _timeProvider);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("{Count} graphql-transport-ws operations ignored cancellation after the connection closed", _runningOperations.Count);
        }
    }

    /// <summary>Close reasons are limited to 123 bytes of UTF-8 (RFC 6455 §5.5).</summary>
    private static string Truncate(string reason)
    {
        const int MaxBytes = 123;
        if (Encoding.UTF8.GetByteCount(reason) <= MaxBytes)
        {
            return reason;
        }

        var length = reason.Length;
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, length)) > MaxBytes - 3)
        {
            length--;
        }

        if (length > 0 && char.IsHighSurrogate(reason[length - 1]))
        {
            length--;
        }

        return string.Concat(reason.AsSpan(0, length), "...");
    }

    /// <summary>A message waiting to be sent; a null <see cref="Type"/> is the close frame.</summary>
    private readonly record struct OutgoingMessage(string? Type, string? Id, object? Payload, int CloseCode, string CloseReason)
    {
        public static OutgoingMessage Create(string type, string? id, object? payload) => new(type, id, payload, 0, string.Empty);

        public static OutgoingMessage CloseWith(int code, string reason) => new(null, null, null, code, reason);
    }

    /// <summary>Sends a subscription's events as <c>next</c>, and its end as <c>complete</c> or <c>error</c>.</summary>
    private sealed class StreamObserver(GraphQLWebSocketConnection connection, Operation operation) : IObserver<ExecutionResult>
    {
        public void OnNext(ExecutionResult value)
        {
            if (!operation.IsStopped)
            {
                connection.Enqueue(OutgoingMessage.Create("next", operation.Id, value));
            }
        }

        public void OnError(Exception error)
        {
            if (!connection.TryEnd(operation))
            {
                return;
            }

            connection._logger.LogWarning(error, "graphql-transport-ws subscription {Id} failed", operation.Id);
            var executionError = error as ExecutionError ?? new ExecutionError(
                connection._options.ExposeExceptions ? error.Message : "the subscription's event stream failed",
                error)
            {
                Code = GraphQLTransportErrorCodes.InternalServerError,
            };
            connection.Enqueue(OutgoingMessage.Create("error", operation.Id, new[] { executionError }));
        }

        public void OnCompleted()
        {
            if (connection.TryEnd(operation))
            {
                connection.Enqueue(OutgoingMessage.Create("complete", operation.Id, payload: null));
            }
        }
    }

    /// <summary>An active operation: its cancellation, its stream subscription, and its end.</summary>
    private sealed class Operation : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly CancellationTokenSource _cancellation;
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private IDisposable? _subscription;
        private bool _stopped;
        private bool _disposed;

        public Operation(string id, CancellationToken connectionClosing)
        {
            Id = id;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(connectionClosing);
        }

        public string Id { get; }

        public CancellationToken Token => _cancellation.Token;

        public bool IsStopped
        {
            get
            {
                lock (_gate)
                {
                    return _stopped;
                }
            }
        }

        public Task Ended => _ended.Task;

        public void Attach(IDisposable subscription)
        {
            lock (_gate)
            {
                if (!_stopped)
                {
                    _subscription = subscription;
                    return;
                }
            }

            subscription.Dispose(); // stopped while the stream was being set up
        }

        public bool TryStop()
        {
            IDisposable? subscription;
            lock (_gate)
            {
                if (_stopped)
                {
                    return false;
                }

                _stopped = true;
                subscription = _subscription;
                _subscription = null;
                if (!_disposed)
                {
                    _cancellation.Cancel();
                }
            }

            subscription?.Dispose();
            _ended.TrySetResult();
            return true;
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _cancellation.Dispose();
            }
        }
    }
}
