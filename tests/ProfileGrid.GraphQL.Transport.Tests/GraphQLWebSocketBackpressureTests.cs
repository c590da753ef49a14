using GraphQL;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>A client that stops reading must not grow the server's memory without bound.</summary>
public sealed class GraphQLWebSocketBackpressureTests
{
    [Fact]
    public async Task Client_that_stops_reading_is_disconnected_with_1008_once_the_queue_is_full()
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<ToyEvents>()
            .AddSingleton<ToyCounter>()
            .AddScoped<ScopedMarker>()
            .AddGraphQL(graphQL => graphQL.AddSchema<ToySchema>().AddGraphTypes(typeof(ToySchema).Assembly).AddSystemTextJson())
            .AddGraphQLTransport(options => options.MaxPendingWebSocketMessages = 3)
            .BuildServiceProvider();
        await using var disposeServices = services;
        var socket = new ScriptedWebSocket();
        var connection = new GraphQLWebSocketConnection(
            socket,
            new DefaultHttpContext { RequestServices = services },
            services.GetRequiredService<ToySchema>(),
            services.GetRequiredService<GraphQLRequestExecutor>(),
            services.GetRequiredService<IGraphQLWebSocketAuthenticator>(),
            services.GetRequiredService<IServiceScopeFactory>(),
            TimeProvider.System,
            services.GetRequiredService<GraphQLTransportMetrics>(),
            NullLogger.Instance);
        var subject = services.GetRequiredService<ToyEvents>().Topic("flood");
        var running = connection.RunAsync(CancellationToken.None);

        socket.Receive("""{"type":"connection_init"}""");
        Assert.Contains("connection_ack", await socket.NextSentAsync());
        socket.Receive("""{"id":"1","type":"subscribe","payload":{"query":"subscription { ticks(topic: \"flood\") }"}}""");
        await subject.WaitForSubscribersAsync(1);

        await socket.HoldSendingAsync();
        for (var i = 1; i <= 10; i++)
        {
            subject.Publish(i);
        }

        // Going over the limit ends the connection's subscriptions at once...
        await subject.WaitForSubscribersAsync(0);
        socket.ResumeSending();

        // ...and what was queued before it still goes out, in order, followed by the close.
        var sent = new List<string>();
        string message;
        do
        {
            message = await socket.NextSentAsync();
            sent.Add(message);
        }
        while (!message.StartsWith("close", StringComparison.Ordinal));

        Assert.StartsWith("close 1008 Client too slow: more than 3 messages pending", sent[^1]);
        var ticks = sent.SkipLast(1).Select(text => JsonDocument.Parse(text).RootElement.GetProperty("payload").GetProperty("data").GetProperty("ticks").GetInt32()).ToList();
        Assert.InRange(ticks.Count, 3, 4);
        Assert.Equal(Enumerable.Range(1, ticks.Count), ticks);
        await running.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
