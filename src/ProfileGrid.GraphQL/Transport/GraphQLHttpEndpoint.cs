using System.Buffers;
using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// GraphQL over HTTP (the GraphQL-over-HTTP spec) for one schema, and the hand-off of WebSocket
/// upgrades at the same path to graphql-transport-ws.
/// </summary>
/// <remarks>
/// Status codes. With <c>application/graphql-response+json</c>: 200 when the operation executed
/// (also with field errors), 400 when the request failed before execution (invalid JSON, missing
/// query, syntax, validation including depth and complexity, variables, a subscription sent over
/// HTTP), 504 when execution exceeded the timeout (the response has no data, so the spec requires a
/// non-2xx code; 504 says "took too long" without blaming the request). With
/// <c>application/json</c>: 200 for every well-formed request, including timeouts, since legacy
/// clients read errors from the body only; 400 for requests that are not well-formed. For both:
/// 405 (with Allow) for other methods and for mutations over GET, 406 when Accept admits neither
/// media type, 413 above <see cref="GraphQLTransportOptions.MaxRequestBytes"/>, 415 when the POST
/// body is not <c>application/json</c>, 500 when the server fails (e.g. the schema does not
/// initialise), which is not the request's fault.
/// </remarks>
internal sealed class GraphQLHttpEndpoint<TSchema>
    where TSchema : ISchema
{
    private readonly GraphQLRequestExecutor _executor;
    private readonly GraphQLWebSocketEndpoint<TSchema> _webSockets;
    private readonly GraphQLTransportMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxRequestBytes;

    public GraphQLHttpEndpoint(
        GraphQLRequestExecutor executor,
        GraphQLWebSocketEndpoint<TSchema> webSockets,
        GraphQLTransportMetrics metrics,
        ILogger<GraphQLHttpEndpoint<TSchema>> logger)
    {
        _executor = executor;
        _webSockets = webSockets;
        _metrics = metrics;
        _logger = logger;
        _maxRequestBytes = executor.Options.MaxRequestBytes;
    }

    private GraphQLTransportSerializer Serializer => _executor.Serializer;

    public async Task HandleAsync(HttpContext context)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            await _webSockets.HandleAsync(context);
            return;
        }

        try
        {
            await HandleHttpAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            // Kestrel's own limits (body size, minimum data rate) while reading the body.
            await WriteErrorAsync(context, exception.StatusCode, GraphQLMediaTypes.Json, GraphQLTransportErrorCodes.InvalidRequest, exception.Message);
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            _logger.LogError(exception, "GraphQL HTTP request failed");
            var message = _executor.Options.ExposeExceptions ? exception.ToString() : "the server failed to process the request";
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, GraphQLMediaTypes.Json, GraphQLTransportErrorCodes.InternalServerError, message);
        }
    }

    private async Task HandleHttpAsync(HttpContext context)
    {
        var request = context.Request;
        var mediaType = GraphQLMediaTypes.NegotiateResponse(request.Headers.Accept);
        if (mediaType is null)
        {
            await WriteErrorAsync(
                context,
                StatusCodes.Status406NotAcceptable,
                GraphQLMediaTypes.Json,
                GraphQLTransportErrorCodes.NotAcceptable,
                $"the Accept header '{request.Headers.Accept}' admits neither {GraphQLMediaTypes.GraphQLResponseJson} nor {GraphQLMediaTypes.Json}");
            return;
        }

        if (HttpMethods.IsGet(request.Method) && IsWebSocketUpgrade(request))
        {
            _logger.LogError("A WebSocket upgrade reached {Path} but WebSockets are not enabled: call app.UseWebSockets() before mapping GraphQL", request.Path);
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, mediaType, GraphQLTransportErrorCodes.InternalServerError, "this server is not configured to accept WebSocket upgrades");
            return;
        }

        GraphQLTransportKind transport;
        GraphQLRequest? graphQLRequest;
        if (HttpMethods.IsGet(request.Method))
        {
            transport = GraphQLTransportKind.HttpGet;
            graphQLRequest = await ReadGetRequestAsync(context, mediaType);
        }
        else if (HttpMethods.IsPost(request.Method))
        {
            transport = GraphQLTransportKind.HttpPost;
            graphQLRequest = await ReadPostRequestAsync(context, mediaType);
        }
        else
        {
            context.Response.Headers.Allow = "GET, POST";
            await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, mediaType, GraphQLTransportErrorCodes.MethodNotAllowed, $"method {request.Method} is not allowed: use POST, or GET for queries");
            return;
        }

        if (graphQLRequest is null)
        {
            return; // an error response has been written
        }

        var schema = context.RequestServices.GetRequiredService<TSchema>();
        var outcome = await _executor.ExecuteAsync(schema, graphQLRequest, transport, context.User, context.RequestServices, context.RequestAborted);
        var graphQLResponse = mediaType == GraphQLMediaTypes.GraphQLResponseJson;
        var status = outcome.Status switch
        {
            GraphQLExecutionStatus.Executed => StatusCodes.Status200OK,
            GraphQLExecutionStatus.RequestError => graphQLResponse ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK,
            GraphQLExecutionStatus.Timeout => graphQLResponse ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status200OK,
            GraphQLExecutionStatus.MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
            GraphQLExecutionStatus.ServerError => StatusCodes.Status500InternalServerError,
            _ => StatusCodes.Status500InternalServerError,
        };
        if (outcome.Status == GraphQLExecutionStatus.MethodNotAllowed)
        {
            context.Response.Headers.Allow = "POST";
        }

        await WriteResultAsync(context, status, mediaType, outcome.Result);
    }

    private async Task<GraphQLRequest?> ReadGetRequestAsync(HttpContext context, string mediaType)
    {
        var parameters = context.Request.Query;
        foreach (var name in (ReadOnlySpan<string>)["query", "operationName", "variables", "extensions"])
        {
            if (parameters[name].Count > 1)
            {
                await WriteBadRequestAsync(context, mediaType, GraphQLTransportErrorCodes.InvalidRequest, $"\"{name}\" appears {parameters[name].Count} times in the URL; give it once");
                return null;
            }
        }

        string? query = parameters["query"];
        if (string.IsNullOrEmpty(query))
        {
            await WriteBadRequestAsync(context, mediaType, GraphQLTransportErrorCodes.InvalidRequest, "\"query\" is required: the GraphQL document as the URL parameter \"query\"");
            return null;
        }

        if (!GraphQLRequestReader.TryReadJsonObjectParameter("variables", parameters["variables"], Serializer, out var variables, out var code, out var error)
            || !GraphQLRequestReader.TryReadJsonObjectParameter("extensions", parameters["extensions"], Serializer, out var extensions, out code, out error))
        {
            await WriteBadRequestAsync(context, mediaType, code, error);
            return null;
        }

        string? operationName = parameters["operationName"];
        return new GraphQLRequest
        {
            Query = query,
            OperationName = string.IsNullOrEmpty(operationName) ? null : operationName,
            Variables = variables,
            Extensions = extensions,
        };
    }

    private async Task<GraphQLRequest?> ReadPostRequestAsync(HttpContext context, string mediaType)
    {
        var request = context.Request;
        if (!GraphQLMediaTypes.IsJsonRequest(request.ContentType))
        {
            var message = string.IsNullOrEmpty(request.ContentType)
                ? $"the Content-Type header is required: send the request as {GraphQLMediaTypes.Json}"
                : $"Content-Type '{request.ContentType}' is not supported: send the request as {GraphQLMediaTypes.Json} (UTF-8)";
            await WriteErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, mediaType, GraphQLTransportErrorCodes.UnsupportedMediaType, message);
            return null;
        }

        if (request.ContentLength > _maxRequestBytes)
        {
            await WriteTooLargeAsync(context, mediaType, request.ContentLength.Value);
            return null;
        }

        // Our limit governs; Kestrel's own (30 MB by default) must not cut in below it.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit
            && sizeLimit.MaxRequestBodySize < _maxRequestBytes)
        {
            sizeLimit.MaxRequestBodySize = _maxRequestBytes;
        }

        using var body = await BoundedBody.ReadAsync(request.Body, _maxRequestBytes, request.ContentLength, context.RequestAborted);
        if (body.IsTooLarge)
        {
            await WriteTooLargeAsync(context, mediaType, contentLength: null);
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Memory, GraphQLRequestReader.DocumentOptions);
        }
        catch (JsonException exception)
        {
            await WriteBadRequestAsync(context, mediaType, GraphQLTransportErrorCodes.InvalidJson, GraphQLRequestReader.DescribeJsonError("the request body", exception));
            return null;
        }

        using (document)
        {
            if (!GraphQLRequestReader.TryRead(document.RootElement, Serializer, "the request body", out var graphQLRequest, out var error))
            {
                await WriteBadRequestAsync(context, mediaType, GraphQLTransportErrorCodes.InvalidRequest, error);
                return null;
            }

            return graphQLRequest;
        }
    }

    private Task WriteTooLargeAsync(HttpContext context, string mediaType, long? contentLength)
    {
        _metrics.LimitHit(nameof(GraphQLTransportOptions.MaxRequestBytes));
        var size = contentLength is { } length ? $"of {length} bytes " : string.Empty;
        var message = $"the request body {size}exceeds the limit of {_maxRequestBytes} bytes ({GraphQLTransportOptions.SectionName}:{nameof(GraphQLTransportOptions.MaxRequestBytes)})";
        _logger.LogInformation("GraphQL request refused: {Reason}", message);
        return WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, mediaType, GraphQLTransportErrorCodes.RequestTooLarge, message);
    }

    private Task WriteBadRequestAsync(HttpContext context, string mediaType, string code, string message)
        => WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType, code, message);

    private Task WriteErrorAsync(HttpContext context, int status, string mediaType, string code, string message)
        => WriteResultAsync(context, status, mediaType, GraphQLErrorResults.Create(code, message));

    private async Task WriteResultAsync(HttpContext context, int status, string mediaType, ExecutionResult result)
    {
        _metrics.HttpRequestAnswered(status);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = mediaType + "; charset=utf-8";
        response.Headers.Vary = HeaderNames.Accept;
        await Serializer.WriteAsync(response.Body, result, context.RequestAborted);
    }

    private static bool IsWebSocketUpgrade(HttpRequest request)
        => request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase);

    /// <summary>A request body read into a pooled buffer, refusing to grow beyond the limit.</summary>
    private readonly struct BoundedBody : IDisposable
    {
        private readonly byte[] _buffer;
        private readonly int _length;

        private BoundedBody(byte[] buffer, int length, bool isTooLarge)
        {
            _buffer = buffer;
            _length = length;
            IsTooLarge = isTooLarge;
        }

        public bool IsTooLarge { get; }

        public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

        public static async Task<BoundedBody> ReadAsync(Stream body, int limit, long? contentLength, CancellationToken cancellationToken)
        {
            // One byte beyond the limit tells "exactly at the limit" from "too large".
            var capacity = (int)Math.Min(contentLength ?? 16 * 1024, limit) + 1;
            var buffer = ArrayPool<byte>.Shared.Rent(capacity);
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, (long)limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return new BoundedBody(buffer, length, isTooLarge: false);
                }

                length += read;
                if (length > limit)
                {
                    return new BoundedBody(buffer, length, isTooLarge: true);
                }
            }
        }

        public void Dispose()
        {
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
        }
    }
}
