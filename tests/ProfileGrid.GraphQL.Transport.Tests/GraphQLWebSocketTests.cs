namespace ProfileGrid.GraphQL.Transport.Tests;

public sealed class GraphQLWebSocketTests(DefaultServerFixture fixture) : IClassFixture<DefaultServerFixture>
{
    private TransportServer Server => fixture.Server;

    private Task<GraphQLWebSocketTestClient> ConnectAsync() => GraphQLWebSocketTestClient.ConnectAsync(Server.WebSocketUri);

    private static string Topic() => "topic-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Handshake_negotiates_the_subprotocol_and_acknowledges_init()
    {
        await using var client = await ConnectAsync();

        var ack = await client.InitAsync();

        Assert.Equal("graphql-transport-ws", client.SubProtocol);
        Assert.False(ack.TryGetProperty("id", out _));
    }

    [Fact]
    public async Task Authenticator_user_and_ack_payload_reach_the_connection()
    {
        await using var client = await ConnectAsync();

        var ack = await client.InitAsync(new { token = "user:alice" });
        await client.SubscribeAsync("1", "{ whoami }");
        var next = await client.ReceiveAsync("next", "1");

        Assert.Equal("alice", ack.GetProperty("payload").GetProperty("welcome").GetString());
        Assert.Equal("alice", next.GetProperty("payload").GetProperty("data").GetProperty("whoami").GetString());
        await client.ReceiveAsync("complete", "1");
    }

    [Fact]
    public async Task Ping_is_answered_with_pong_carrying_its_payload()
    {
        await using var client = await ConnectAsync();

        await client.SendAsync(new { type = "ping", payload = new { at = 42 } });
        var pong = await client.ReceiveAsync("pong");

        Assert.Equal(42, pong.GetProperty("payload").GetProperty("at").GetInt32());
        await client.InitAsync();
        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Query_runs_once_with_next_then_complete()
    {
        await using var client = await ConnectAsync();
        await client.InitAsync();

        await client.SubscribeAsync("q1", "query($name: String) { hello(name: $name) }", new { name = "Sarah" });
        var next = await client.ReceiveAsync("next", "q1");
        await client.ReceiveAsync("complete", "q1");

        Assert.Equal("Hello, Sarah!", next.GetProperty("payload").GetProperty("data").GetProperty("hello").GetString());
        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Mutation_runs_once_with_next_then_complete()
    {
        await using var client = await ConnectAsync();
        await client.InitAsync();

        await client.SubscribeAsync("m1", "mutation { increment(by: 1) }");
        var next = await client.ReceiveAsync("next", "m1");
        await client.ReceiveAsync("complete", "m1");

        Assert.Equal(JsonValueKind.Number, next.GetProperty("payload").GetProperty("data").GetProperty("increment").ValueKind);
    }

    [Fact]
    public async Task Subscription_sends_every_event_in_order_then_complete_when_the_stream_ends()
    {
        var topic = Topic();
        var subject = Server.Events.Topic(topic);
        await using var client = await ConnectAsync();
        await client.InitAsync();

        await client.SubscribeAsync("s1", "subscription($topic: String!) { ticks(topic: $topic) }", new { topic });
        await subject.WaitForSubscribersAsync(1);
        for (var i = 1; i <= 100; i++)
        {
            subject.Publish(i);
        }

        subject.Complete();
        for (var i = 1; i <= 100; i++)
        {
            var next = await client.ReceiveAsync("next", "s1");
            Assert.Equal(i, next.GetProperty("payload").GetProperty("data").GetProperty("ticks").GetInt32());
        }

        await client.ReceiveAsync("complete", "s1");
        await subject.WaitForSubscribersAsync(0);
        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Client_complete_stops_delivery()
    {
        var topic = Topic();
        var subject = Server.Events.Topic(topic);
        await using var client = await ConnectAsync();
        await client.InitAsync();
        await client.SubscribeAsync("s1", $"subscription {{ ticks(topic: \"{topic}\") }}");
        await subject.WaitForSubscribersAsync(1);
        subject.Publish(1);
        await client.ReceiveAsync("next", "s1");

        await client.SendAsync(new { id = "s1", type = "complete" });
        await subject.WaitForSubscribersAsync(0);
        subject.Publish(2);

        // No next for 2 and no complete for a subscription the client completed itself.
        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Client_may_reuse_an_id_once_its_operation_completed()
    {
        var topic = Topic();
        var subject = Server.Events.Topic(topic);
        await using var client = await ConnectAsync();
        await client.InitAsync();
        var query = $"subscription {{ ticks(topic: \"{topic}\") }}";
        await client.SubscribeAsync("same", query);
        await subject.WaitForSubscribersAsync(1);
        await client.SendAsync(new { id = "same", type = "complete" });
        await subject.WaitForSubscribersAsync(0);

        await client.SubscribeAsync("same", query);
        await subject.WaitForSubscribersAsync(1);
        subject.Publish(7);

        var next = await client.ReceiveAsync("next", "same");
        Assert.Equal(7, next.GetProperty("payload").GetProperty("data").GetProperty("ticks").GetInt32());
    }

    [Fact]
    public async Task Stream_failure_is_sent_as_an_error_message_and_ends_the_subscription()
    {
        var topic = Topic();
        var subject = Server.Events.Topic(topic);
        await using var client = await ConnectAsync();
        await client.InitAsync();
        await client.SubscribeAsync("s1", $"subscription {{ ticks(topic: \"{topic}\") }}");
        await subject.WaitForSubscribersAsync(1);

        subject.Fail(new InvalidOperationException("source broke"));
        var error = await client.ReceiveAsync("error", "s1");

        var errors = error.GetProperty("payload");
        Assert.Equal(JsonValueKind.Array, errors.ValueKind);
        Assert.Contains("ticks", errors[0].GetProperty("message").GetString());
        Assert.DoesNotContain("source broke", error.GetRawText());
        await client.AssertNothingPendingAsync();
        await subject.WaitForSubscribersAsync(0);
    }

    [Fact]
    public async Task Validation_errors_of_a_subscribe_are_sent_as_an_error_message_without_complete()
    {
        await using var client = await ConnectAsync();
        await client.InitAsync();

        await client.SubscribeAsync("bad", "subscription { nope }");
        var error = await client.ReceiveAsync("error", "bad");

        var errors = error.GetProperty("payload");
        Assert.Equal(JsonValueKind.Array, errors.ValueKind);
        Assert.Contains("nope", errors[0].GetProperty("message").GetString());
        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Depth_limit_applies_to_websocket_operations()
    {
        await using var client = await ConnectAsync();
        await client.InitAsync();

        await client.SubscribeAsync("deep", GraphQLHttpTests.NestedNodes(21));
        var error = await client.ReceiveAsync("error", "deep");

        Assert.Equal("MAX_DEPTH_EXCEEDED", error.GetProperty("payload")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Closing_the_connection_disposes_its_subscriptions()
    {
        var topic = Topic();
        var subject = Server.Events.Topic(topic);
        var client = await ConnectAsync();
        await client.InitAsync();
        await client.SubscribeAsync("a", $"subscription {{ ticks(topic: \"{topic}\") }}");
        await client.SubscribeAsync("b", $"subscription {{ ticks(topic: \"{topic}\") }}");
        await subject.WaitForSubscribersAsync(2);

        await client.CloseAsync();
        await client.DisposeAsync();

        await subject.WaitForSubscribersAsync(0);
    }

    [Theory]
    [InlineData("not json", "Invalid message received: message is not valid JSON at line 1, byte 2")]
    [InlineData("""{"type":"unheard_of"}""", "Invalid message received: unexpected message type 'unheard_of'")]
    [InlineData("""{"payload":{}}""", "Invalid message received: \"type\" must be a string")]
    [InlineData("""{"type":"subscribe","payload":{"query":"{ hello }"}}""", "Invalid message received: subscribe needs a non-empty string \"id\"")]
    [InlineData("""{"id":"1","type":"subscribe"}""", "Invalid message received: subscribe needs a payload with a \"query\" string")]
    [InlineData("""{"id":"1","type":"subscribe","payload":{"query":7}}""", "Invalid message received: \"query\" must be a string, not a number")]
    [InlineData("""{"type":"complete"}""", "Invalid message received: complete needs a non-empty string \"id\"")]
    [InlineData("""{"id":"1","type":"next","payload":{}}""", "Invalid message received: unexpected message type 'next'")]
    public async Task Invalid_message_closes_with_4400(string message, string reason)
    {
        await using var client = await ConnectAsync();
        await client.InitAsync();

        await client.SendTextAsync(message);
        var (code, description) = await client.ReceiveCloseAsync();

        Assert.Equal(4400, code);
        Assert.StartsWith(reason, description);
    }

    [Fact]
    public async Task Subscribe_before_ack_closes_with_4401()
    {
        await using var client = await ConnectAsync();

        await client.SubscribeAsync("1", "{ hello }");
        var (code, reason) = await client.ReceiveCloseAsync();

        Assert.Equal(4401, code);
        Assert.Equal("Unauthorized", reason);
    }

    [Fact]
    public async Task Rejected_init_closes_with_4403()
    {
        await using var client = await ConnectAsync();

        await client.SendAsync(new { type = "connection_init", payload = new { token = "forged" } });
        var (code, reason) = await client.ReceiveCloseAsync();

        Assert.Equal(4403, code);
        Assert.Equal("Forbidden", reason);
    }

    [Fact]
    public async Task Connection_without_the_subprotocol_closes_with_4406()
    {
        await using var client = await GraphQLWebSocketTestClient.ConnectAsync(Server.WebSocketUri, subProtocol: null);

        var (code, reason) = await client.ReceiveCloseAsync();

        Assert.Equal(4406, code);
        Assert.Equal("Subprotocol not acceptable", reason);
    }

    [Fact]
    public async Task Duplicate_id_of_an_active_subscription_closes_with_4409()
    {
        var topic = Topic();
        var subject = Server.Events.Topic(topic);
        await using var client = await ConnectAsync();
        await client.InitAsync();
        await client.SubscribeAsync("dup", $"subscription {{ ticks(topic: \"{topic}\") }}");
        await subject.WaitForSubscribersAsync(1);

        await client.SubscribeAsync("dup", "{ hello }");
        var (code, reason) = await client.ReceiveCloseAsync();

        Assert.Equal(4409, code);
        Assert.Equal("Subscriber for dup already exists", reason);
        await subject.WaitForSubscribersAsync(0);
    }

    [Fact]
    public async Task Second_init_closes_with_4429()
    {
        await using var client = await ConnectAsync();
        await client.InitAsync();

        await client.SendAsync(new { type = "connection_init" });
        var (code, reason) = await client.ReceiveCloseAsync();

        Assert.Equal(4429, code);
        Assert.Equal("Too many initialisation requests", reason);
    }

    [Fact]
    public async Task Message_larger_than_the_limit_closes_with_1009()
    {
        await using var client = await ConnectAsync();
        await client.InitAsync();

        await client.SubscribeAsync("big", "{ hello }", new { padding = new string('x', 256 * 1024) });
        var (code, reason) = await client.ReceiveCloseAsync();

        Assert.Equal(1009, code);
        Assert.Contains("ProfileGrid:GraphQL:MaxRequestBytes", reason);
    }
}

/// <summary>WebSocket behaviour that needs its own server: timeouts, limits, shutdown.</summary>
public sealed class GraphQLWebSocketLifetimeTests
{
    [Fact]
    public async Task No_init_within_the_wait_timeout_closes_with_4408()
    {
        await using var server = await TransportServer.StartAsync(new Dictionary<string, string?>
        {
            ["ProfileGrid:GraphQL:ConnectionInitWaitTimeout"] = "00:00:00.200",
        });
        await using var client = await GraphQLWebSocketTestClient.ConnectAsync(server.WebSocketUri);

        var (code, reason) = await client.ReceiveCloseAsync();

        Assert.Equal(4408, code);
        Assert.Equal("Connection initialisation timeout", reason);
    }

    [Fact]
    public async Task Subscriptions_beyond_the_per_connection_limit_are_refused_with_an_error()
    {
        await using var server = await TransportServer.StartAsync(new Dictionary<string, string?>
        {
            ["ProfileGrid:GraphQL:MaxSubscriptionsPerConnection"] = "2",
        });
        var subject = server.Events.Topic("limited");
        await using var client = await GraphQLWebSocketTestClient.ConnectAsync(server.WebSocketUri);
        await client.InitAsync();
        await client.SubscribeAsync("1", "subscription { ticks(topic: \"limited\") }");
        await client.SubscribeAsync("2", "subscription { ticks(topic: \"limited\") }");
        await subject.WaitForSubscribersAsync(2);

        await client.SubscribeAsync("3", "subscription { ticks(topic: \"limited\") }");
        var error = await client.ReceiveAsync("error", "3");

        var first = error.GetProperty("payload")[0];
        Assert.Equal("TOO_MANY_SUBSCRIPTIONS", first.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Contains("the limit of 2 (ProfileGrid:GraphQL:MaxSubscriptionsPerConnection)", first.GetProperty("message").GetString());
        await client.AssertNothingPendingAsync();
        subject.Publish(1);
        await client.ReceiveAsync("next");
        await client.ReceiveAsync("next");
    }

    [Fact]
    public async Task Server_pings_when_a_ping_interval_is_configured()
    {
        await using var server = await TransportServer.StartAsync(new Dictionary<string, string?>
        {
            ["ProfileGrid:GraphQL:PingInterval"] = "00:00:00.100",
        });
        await using var client = await GraphQLWebSocketTestClient.ConnectAsync(server.WebSocketUri);
        await client.InitAsync();

        await client.ReceiveAsync("ping");
        await client.SendAsync(new { type = "pong" });
    }

    [Fact]
    public async Task Query_beyond_the_timeout_answers_a_timeout_error()
    {
        await using var server = await TransportServer.StartAsync(new Dictionary<string, string?>
        {
            ["ProfileGrid:GraphQL:ExecutionTimeout"] = "00:00:00.200",
        });
        await using var client = await GraphQLWebSocketTestClient.ConnectAsync(server.WebSocketUri);
        await client.InitAsync();

        await client.SubscribeAsync("slow", "{ slow }");
        var next = await client.ReceiveAsync("next", "slow");
        await client.ReceiveAsync("complete", "slow");

        Assert.Equal("TIMEOUT", next.GetProperty("payload").GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Stopping_the_server_closes_connections_with_1001()
    {
        var server = await TransportServer.StartAsync();
        await using var client = await GraphQLWebSocketTestClient.ConnectAsync(server.WebSocketUri);
        await client.InitAsync();
        var subject = server.Events.Topic("shutdown");
        await client.SubscribeAsync("s", "subscription { ticks(topic: \"shutdown\") }");
        await subject.WaitForSubscribersAsync(1);

        var stopping = server.DisposeAsync().AsTask();
        var (code, _) = await client.ReceiveCloseAsync();
        await client.CloseAsync();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1001, code);
        await subject.WaitForSubscribersAsync(0);
    }
}
