using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>How a request reached the server; decides which operation types it may run.</summary>
internal enum GraphQLTransportKind
{
    HttpGet,
    HttpPost,
    WebSocket,
}

/// <summary>What became of a request, which each transport maps to its status codes or messages.</summary>
internal enum GraphQLExecutionStatus
{
    /// <summary>The operation ran (the result may still hold field errors).</summary>
    Executed,

    /// <summary>The request failed before execution: syntax, validation, limits, variables.</summary>
    RequestError,

    /// <summary>A mutation was sent with GET.</summary>
    MethodNotAllowed,

    /// <summary>Execution exceeded <see cref="GraphQLTransportOptions.ExecutionTimeout"/>.</summary>
    Timeout,

    /// <summary>The server failed before execution (e.g. the schema did not initialise): not the request's fault.</summary>
    ServerError,
}

internal readonly record struct GraphQLExecutionOutcome(
    GraphQLExecutionStatus Status,
    ExecutionResult Result,
    OperationType? OperationType);

/// <summary>
/// Runs one GraphQL request for either transport: parses the document once, refuses operation types
/// the transport cannot carry, applies the depth, complexity and time limits, and passes the caller's
/// user and scoped services to the resolvers.
/// </summary>
/// <remarks>
/// Documents that passed validation and ran are kept by their text (at most
/// <see cref="MaxCachedDocuments"/>, each at most <see cref="MaxCachedDocumentLength"/> characters), so a
/// client repeating a query (a call-center lookup) skips parsing and the specification's validation
/// rules, which depend on the document and schema alone. The depth and complexity limits run again
/// only for a document whose figures can change with its variables (<see cref="GraphQLLimitsVariables"/>):
/// measuring them is most of what validating a kept document costs. Variables are checked against
/// their types on every request, for most kept documents without walking the document again
/// (<see cref="KeptDocumentValidator"/>).
/// </remarks>
internal sealed class GraphQLRequestExecutor
{
    public const int MaxCachedDocuments = 500;
    public const int MaxCachedDocumentLength = 4096;

    private readonly GraphQLTransportOptions _options;
    private readonly IDocumentExecuter _executer;
    private readonly IDocumentBuilder _documentBuilder = new GraphQLDocumentBuilder();
    private readonly IValidationRule[] _validationRules;
    private readonly IValidationRule[] _limitsOnly;
    private readonly KeptDocumentValidator? _keptValidator;
    private readonly ConcurrentDictionary<(ISchema Schema, string Query), KeptDocument> _validatedDocuments = new();
    private int _cachedDocuments;
    private readonly TimeProvider _timeProvider;
    private readonly GraphQLTransportMetrics _metrics;
    private readonly ILogger<GraphQLRequestExecutor> _logger;

    public GraphQLRequestExecutor(
        IOptions<GraphQLTransportOptions> options,
        IServiceProvider services,
        TimeProvider timeProvider,
        GraphQLTransportMetrics metrics,
        ILogger<GraphQLRequestExecutor> logger)
    {
        _options = options.Value;
        // The host's executer when it registered one (services.AddGraphQL(...)), so its execution
        // hooks, listeners and strategies apply; otherwise graphql-dotnet's default, which already
        // runs subscription operations with its subscription execution strategy.
        _keptValidator = services.GetService<KeptDocumentValidator>();
        _executer = services.GetService<IDocumentExecuter>()
            ?? new DocumentExecuter(new GraphQLDocumentBuilder(), (IDocumentValidator?)_keptValidator ?? new DocumentValidator());
        var limits = new GraphQLRequestLimitsRule(_options.MaxDepth, _options.MaxComplexity);
        _validationRules = [.. DocumentValidator.CoreRules, limits];
        _limitsOnly = [limits];
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        Serializer = new GraphQLTransportSerializer(_options.ExposeExceptions);
    }

    public GraphQLTransportSerializer Serializer { get; }

    /// <summary>Documents kept as validated (see the remarks on the class).</summary>
    internal bool IsCached(ISchema schema, string query) => _validatedDocuments.ContainsKey((schema, query));

    /// <summary>Whether a kept document's depth and complexity are measured on every request (see the remarks on the class).</summary>
    internal bool MeasuresLimitsEveryTime(ISchema schema, string query) =>
        _validatedDocuments.TryGetValue((schema, query), out var kept) && kept.LimitsCanChange;

    /// <summary>Whether a kept document's operations are validated by <see cref="KeptDocumentValidator"/>'s shortcut.</summary>
    internal bool ValidatesByShortcut(ISchema schema, string query) =>
        _validatedDocuments.TryGetValue((schema, query), out var kept) && _keptValidator is { } validator
        && kept.Document.Definitions.OfType<GraphQLOperationDefinition>().All(validator.IsKept);

    public GraphQLTransportOptions Options => _options;

    public async Task<GraphQLExecutionOutcome> ExecuteAsync(
        ISchema schema,
        GraphQLRequest request,
        GraphQLTransportKind transport,
        ClaimsPrincipal user,
        IServiceProvider requestServices,
        CancellationToken cancellationToken)
    {
        var cacheKey = (schema, request.Query!);
        GraphQLDocument document;
        var cached = _validatedDocuments.TryGetValue(cacheKey, out var known);
        if (cached)
        {
            document = known!.Document;
        }
        else
        {
            try
            {
                document = _documentBuilder.Build(request.Query!);
            }
            catch (ExecutionError syntaxError)
            {
                return new(GraphQLExecutionStatus.RequestError, new ExecutionResult { Errors = [syntaxError] }, null);
            }
        }

        // When the operation cannot be selected (unknown name, several operations and no name) the
        // executer reports it as a request error without executing anything.
        var operationType = SelectOperation(document, request.OperationName)?.Operation;
        if (operationType == OperationType.Mutation && transport == GraphQLTransportKind.HttpGet)
        {
            return new(GraphQLExecutionStatus.MethodNotAllowed, GraphQLErrorResults.Create(
                GraphQLTransportErrorCodes.MethodNotAllowed,
                "mutations cannot be sent with GET: send them with POST (GraphQL over HTTP forbids GET for mutations)"),
                operationType);
        }

        if (operationType == OperationType.Subscription && transport != GraphQLTransportKind.WebSocket)
        {
            return new(GraphQLExecutionStatus.RequestError, GraphQLErrorResults.Create(
                GraphQLTransportErrorCodes.SubscriptionRequiresWebSocket,
                "subscriptions are not served over HTTP: open a WebSocket to this path with the graphql-transport-ws subprotocol"),
                operationType);
        }

        var executionOptions = new ExecutionOptions
        {
            Schema = schema,
            Query = request.Query,
            Document = document,
            OperationName = string.IsNullOrEmpty(request.OperationName) ? null : request.OperationName,
            Variables = request.Variables,
            Extensions = request.Extensions,
            User = user,
            RequestServices = requestServices,
            ValidationRules = !cached ? _validationRules : known!.LimitsCanChange ? _limitsOnly : [],
            UnhandledExceptionDelegate = OnUnhandledExceptionAsync,
        };

        if (operationType == OperationType.Subscription)
        {
            // The token handed to a subscription is captured by its stream for as long as it lives,
            // so it carries no timer: the stream ends when either side completes it.
            executionOptions.CancellationToken = cancellationToken;
            var subscriptionResult = await _executer.ExecuteAsync(executionOptions);
            if (!cached) Remember(cacheKey, document, subscriptionResult);
            return Outcome(subscriptionResult, operationType);
        }

        using var timeout = new CancellationTokenSource(_options.ExecutionTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        executionOptions.CancellationToken = linked.Token;
        ExecutionResult result;
        try
        {
            result = await _executer.ExecuteAsync(executionOptions);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return TimedOut(operationType);
        }

        // A resolver that swallowed the cancellation still leaves a result cut short by the timer.
        if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return TimedOut(operationType);
        }

        if (!cached) Remember(cacheKey, document, result);
        return Outcome(result, operationType);
    }

    /// <summary>Keeps a document that passed validation (it ran), while there is room.</summary>
    private void Remember((ISchema Schema, string Query) key, GraphQLDocument document, ExecutionResult result)
    {
        if (!result.Executed || key.Query.Length > MaxCachedDocumentLength || Volatile.Read(ref _cachedDocuments) >= MaxCachedDocuments) return;
        var kept = new KeptDocument(document, GraphQLLimitsVariables.CanChangeTheLimits(key.Schema, document));
        if (!kept.LimitsCanChange) _keptValidator?.Keep(key.Schema, document);
        if (_validatedDocuments.TryAdd(key, kept)) Interlocked.Increment(ref _cachedDocuments);
    }

    /// <summary>A document that passed validation, and whether its depth and complexity must be measured again.</summary>
    private sealed record KeptDocument(GraphQLDocument Document, bool LimitsCanChange);

    private GraphQLExecutionOutcome Outcome(ExecutionResult result, OperationType? operationType)
    {
        if (result.Executed)
        {
            return new(GraphQLExecutionStatus.Executed, result, operationType);
        }

        foreach (var error in result.Errors ?? [])
        {
            if (error is UnhandledError)
            {
                _logger.LogError(error.InnerException, "GraphQL request failed before execution");
                return new(GraphQLExecutionStatus.ServerError, result, operationType);
            }

            if (error.Code is GraphQLTransportErrorCodes.MaxDepthExceeded or GraphQLTransportErrorCodes.MaxComplexityExceeded)
            {
                _metrics.LimitHit(error.Code == GraphQLTransportErrorCodes.MaxDepthExceeded ? "MaxDepth" : "MaxComplexity");
                _logger.LogInformation("GraphQL request refused: {Reason}", error.Message);
            }
        }

        return new(GraphQLExecutionStatus.RequestError, result, operationType);
    }

    private GraphQLExecutionOutcome TimedOut(OperationType? operationType)
    {
        _metrics.LimitHit("ExecutionTimeout");
        var seconds = _options.ExecutionTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var message = $"execution exceeded the limit of {seconds} s ({GraphQLTransportOptions.SectionName}:{nameof(GraphQLTransportOptions.ExecutionTimeout)}) and was cancelled";
        _logger.LogWarning("GraphQL {OperationType} cancelled: {Reason}", operationType, message);
        return new(GraphQLExecutionStatus.Timeout, GraphQLErrorResults.Create(GraphQLTransportErrorCodes.Timeout, message), operationType);
    }

    private Task OnUnhandledExceptionAsync(UnhandledExceptionContext context)
    {
        if (context.OriginalException is OperationCanceledException)
        {
            return Task.CompletedTask;
        }

        _logger.LogError(
            context.OriginalException,
            "GraphQL resolver for {Field} failed",
            context.FieldContext?.FieldDefinition.Name ?? "(no field)");
        if (_options.ExposeExceptions)
        {
            context.ErrorMessage = context.OriginalException.Message;
        }

        return Task.CompletedTask;
    }

    /// <summary>The operation GraphQL's GetOperation() would pick, or null when it would raise an error.</summary>
    private static GraphQLOperationDefinition? SelectOperation(GraphQLDocument document, string? operationName)
    {
        GraphQLOperationDefinition? selected = null;
        foreach (var definition in document.Definitions)
        {
            if (definition is not GraphQLOperationDefinition operation)
            {
                continue;
            }

            if (string.IsNullOrEmpty(operationName))
            {
                if (selected is not null)
                {
                    return null;
                }

                selected = operation;
            }
            else if (operation.Name is { } name && name == operationName)
            {
                return operation;
            }
        }

        return string.IsNullOrEmpty(operationName) ? selected : null;
    }
}
