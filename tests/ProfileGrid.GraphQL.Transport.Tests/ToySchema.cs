using System.Security.Claims;
using GraphQL;
using GraphQL.Types;
using GraphQL.Validation.Complexity;
using Microsoft.Extensions.DependencyInjection;

namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>
/// A schema with one of everything the transports must carry: a query with arguments, a mutation,
/// a field that throws, a field that never finishes, a recursive type (depth), nested lists
/// (complexity), a field with its own complexity function, and subscriptions whose events the tests publish themselves.
/// </summary>
public sealed class ToySchema : Schema
{
    public ToySchema(IServiceProvider services, ToyEvents events, ToyCounter counter)
        : base(services)
    {
        Query = new ToyQuery();
        Mutation = new ToyMutation(counter);
        Subscription = new ToySubscription(events);
    }
}

public sealed class ToyQuery : ObjectGraphType
{
    public ToyQuery()
    {
        Name = "Query";
        Field<NonNullGraphType<StringGraphType>>("hello")
            .Argument<StringGraphType>("name", arg => arg.DefaultValue = "world")
            .Resolve(context => $"Hello, {context.GetArgument<string>("name")}!");
        Field<StringGraphType>("boom")
            .Resolve(_ => throw new InvalidOperationException("secret internals of the boom resolver"));
        Field<StringGraphType>("slow")
            .ResolveAsync(async context =>
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                return "never";
            });
        Field<StringGraphType>("whoami")
            .Resolve(context => context.User?.Identity?.Name);
        Field<StringGraphType>("scopedId")
            .Resolve(context => context.RequestServices!.GetRequiredService<ScopedMarker>().Id.ToString());
        Field<NodeType>("node").Resolve(_ => 1);
        Field<ListGraphType<ItemType>>("items")
            .Argument<IntGraphType>("first")
            .Resolve(context => Enumerable.Range(1, context.GetArgument("first", 2)));
        Field<StringGraphType>("weighted")
            .Argument<IntGraphType>("weight")
            .WithComplexityImpact(context => new FieldComplexityResult(context.GetArgument("weight", 1), 1))
            .Resolve(context => $"weighs {context.GetArgument("weight", 1)}");
    }
}

public sealed class NodeType : ObjectGraphType<int>
{
    public NodeType()
    {
        Name = "Node";
        Field<NonNullGraphType<IntGraphType>>("level").Resolve(context => context.Source);
        Field<NodeType>("child").Resolve(context => context.Source + 1);
    }
}

public sealed class ItemType : ObjectGraphType<int>
{
    public ItemType()
    {
        Name = "Item";
        Field<NonNullGraphType<StringGraphType>>("name").Resolve(context => $"item {context.Source}");
        Field<ListGraphType<ItemType>>("items")
            .Argument<IntGraphType>("first")
            .Resolve(context => Enumerable.Range(1, context.GetArgument("first", 2)));
    }
}

public sealed class ToyMutation : ObjectGraphType
{
    public ToyMutation(ToyCounter counter)
    {
        Name = "Mutation";
        Field<NonNullGraphType<IntGraphType>>("increment")
            .Argument<NonNullGraphType<IntGraphType>>("by")
            .Resolve(context => counter.Add(context.GetArgument<int>("by")));
    }
}

public sealed class ToySubscription : ObjectGraphType
{
    public ToySubscription(ToyEvents events)
    {
        Name = "Subscription";
        Field<NonNullGraphType<IntGraphType>, int>("ticks")
            .Argument<NonNullGraphType<StringGraphType>>("topic")
            .ResolveStream(context => events.Topic(context.GetArgument<string>("topic")));
    }
}

public sealed class ToyCounter
{
    private int _value;

    public int Add(int by) => Interlocked.Add(ref _value, by);
}

public sealed class ScopedMarker
{
    public Guid Id { get; } = Guid.NewGuid();
}

/// <summary>Test-controlled event sources, one per topic, so each test uses its own.</summary>
public sealed class ToyEvents
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TopicSubject> _topics = new();

    public TopicSubject Topic(string name) => _topics.GetOrAdd(name, _ => new TopicSubject());
}

/// <summary>
/// A minimal subject: the test publishes, completes or fails it, and can await the number of
/// subscribers (the server subscribing, or letting go) instead of sleeping.
/// </summary>
public sealed class TopicSubject : IObservable<int>
{
    private readonly Lock _gate = new();
    private readonly List<IObserver<int>> _observers = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _observers.Count;
            }
        }
    }

    public IDisposable Subscribe(IObserver<int> observer)
    {
        lock (_gate)
        {
            _observers.Add(observer);
            SignalChanged();
        }

        return new Unsubscriber(this, observer);
    }

    public void Publish(int value)
    {
        foreach (var observer in Snapshot())
        {
            observer.OnNext(value);
        }
    }

    public void Complete()
    {
        foreach (var observer in Snapshot())
        {
            observer.OnCompleted();
        }
    }

    public void Fail(Exception error)
    {
        foreach (var observer in Snapshot())
        {
            observer.OnError(error);
        }
    }

    public async Task WaitForSubscribersAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_observers.Count == count)
                {
                    return;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} subscribers, have {SubscriberCount}");
            }
        }
    }

    private IObserver<int>[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _observers];
        }
    }

    private void SignalChanged()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private sealed class Unsubscriber(TopicSubject subject, IObserver<int> observer) : IDisposable
    {
        public void Dispose()
        {
            lock (subject._gate)
            {
                if (subject._observers.Remove(observer))
                {
                    subject.SignalChanged();
                }
            }
        }
    }
}

/// <summary>
/// Accepts connection_init without payload as the upgrade request's user, with
/// <c>{"token":"user:NAME"}</c> as NAME, and rejects any other token.
/// </summary>
public sealed class ToyAuthenticator : IGraphQLWebSocketAuthenticator
{
    public ValueTask<GraphQLWebSocketInitResult> AuthenticateAsync(Microsoft.AspNetCore.Http.HttpContext httpContext, JsonElement? payload, CancellationToken cancellationToken)
    {
        if (payload is not { } value || !value.TryGetProperty("token", out var token))
        {
            return ValueTask.FromResult(GraphQLWebSocketInitResult.Accept());
        }

        var text = token.GetString() ?? string.Empty;
        if (!text.StartsWith("user:", StringComparison.Ordinal))
        {
            return ValueTask.FromResult(GraphQLWebSocketInitResult.Reject("unknown token"));
        }

        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, text["user:".Length..])], "token"));
        return ValueTask.FromResult(GraphQLWebSocketInitResult.Accept(user, new Dictionary<string, object?> { ["welcome"] = text["user:".Length..] }));
    }
}
