namespace ProfileGrid.Subscriptions.Tests;

/// <summary>graphql-transport-ws against the real schema served by a silo host at /graphql.</summary>
public sealed class SubscriptionProtocolTests(SingleSiloFixture fixture) : IClassFixture<SingleSiloFixture>
{
    private GridHost Silo => fixture.Silo;

    [Fact]
    public async Task Handshake_negotiates_graphql_transport_ws_and_acknowledges_init()
    {
        await using var client = await GraphQLWebSocketTestClient.ConnectAsync(Silo.WebSocketUri);

        await client.InitAsync();

        Assert.Equal("graphql-transport-ws", client.SubProtocol);
        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Subscribe_before_connection_init_closes_with_4401()
    {
        await using var client = await GraphQLWebSocketTestClient.ConnectAsync(Silo.WebSocketUri);

        await client.SubscribeToChangesAsync("s1", segmentId: null);
        var (code, _) = await client.ReceiveCloseAsync();

        Assert.Equal(4401, code);
    }

    [Fact]
    public async Task Unknown_message_type_closes_with_4400()
    {
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(Silo.WebSocketUri);

        await client.SendAsync(new { type = "subscribe_all_please" });
        var (code, _) = await client.ReceiveCloseAsync();

        Assert.Equal(4400, code);
    }

    [Fact]
    public async Task Second_connection_init_closes_with_4429()
    {
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(Silo.WebSocketUri);

        await client.SendAsync(new { type = "connection_init" });
        var (code, _) = await client.ReceiveCloseAsync();

        Assert.Equal(4429, code);
    }

    [Fact]
    public async Task Subscribing_twice_with_the_same_id_closes_with_4409()
    {
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(Silo.WebSocketUri);
        var hubSubscribers = Silo.Hub.SubscriberCount;

        await client.SubscribeToChangesAsync("dup", segmentId: null);
        await Silo.Hub.WaitForSubscribers(hubSubscribers + 1).WaitAsync(TimeSpan.FromSeconds(10));
        await client.SubscribeToChangesAsync("dup", segmentId: null);
        var (code, _) = await client.ReceiveCloseAsync();

        Assert.Equal(4409, code);
        await Silo.Hub.WaitForSubscribers(hubSubscribers).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Invalid_subscription_gets_an_error_message_and_the_connection_stays_open()
    {
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(Silo.WebSocketUri);

        await client.SubscribeAsync("bad", "subscription { segmentMembershipChanged { segmentId noSuchField } }");
        var error = await client.ReceiveAsync("error", "bad");

        var errors = error.GetProperty("payload");
        Assert.Equal(JsonValueKind.Array, errors.ValueKind);
        Assert.Contains("noSuchField", errors[0].GetProperty("message").GetString());
        Assert.Equal("FIELDS_ON_CORRECT_TYPE", errors[0].GetProperty("extensions").GetProperty("code").GetString());
        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Subscription_over_http_is_refused()
    {
        using var response = await Silo.Http.PostAsync(
            "/graphql",
            new StringContent("""{"query":"subscription { segmentMembershipChanged { segmentId } }"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Entered_then_exited_arrive_in_order_with_increasing_sequence()
    {
        var segment = Changes.NewId("seg");
        var profile = Changes.NewId("profile");
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(Silo.WebSocketUri);
        var hubSubscribers = Silo.Hub.SubscriberCount;
        await client.SubscribeToChangesAsync("s", segment);
        await Silo.Hub.WaitForSubscribers(hubSubscribers + 1).WaitAsync(TimeSpan.FromSeconds(10));

        await Silo.PublishFromGrainAsync(Changes.Entered(segment, profile, 1), Changes.Exited(segment, profile, 2));
        var entered = await client.ReceiveChangeAsync("s");
        var exited = await client.ReceiveChangeAsync("s");

        Assert.Equal((segment, profile, "ENTERED"), (entered.SegmentId, entered.ProfileId, entered.Status));
        Assert.Equal((segment, profile, "EXITED"), (exited.SegmentId, exited.ProfileId, exited.Status));
        Assert.True(exited.Sequence > entered.Sequence, $"sequence {exited.Sequence} after {entered.Sequence}");
    }

    [Fact]
    public async Task Many_changes_of_one_profile_arrive_in_sequence_order()
    {
        var segment = Changes.NewId("seg");
        var profile = Changes.NewId("profile");
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(Silo.WebSocketUri);
        var hubSubscribers = Silo.Hub.SubscriberCount;
        await client.SubscribeToChangesAsync("s", segment);
        await Silo.Hub.WaitForSubscribers(hubSubscribers + 1).WaitAsync(TimeSpan.FromSeconds(10));

        const int count = 200;
        for (var sequence = 1; sequence <= count; sequence += 2)
        {
            // Separate publish calls, as separate profile updates make them.
            await Silo.PublishFromGrainAsync(Changes.Entered(segment, profile, sequence));
            await Silo.PublishFromGrainAsync(Changes.Exited(segment, profile, sequence + 1));
        }

        for (var sequence = 1; sequence <= count; sequence++)
        {
            var change = await client.ReceiveChangeAsync("s");
            Assert.Equal(sequence, change.Sequence);
            Assert.Equal(sequence % 2 == 1 ? "ENTERED" : "EXITED", change.Status);
        }
    }

    [Fact]
    public async Task SegmentId_filters_and_no_segmentId_receives_every_segment()
    {
        var wanted = Changes.NewId("wanted");
        var other = Changes.NewId("other");
        var profile = Changes.NewId("profile");
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(Silo.WebSocketUri);
        var hubSubscribers = Silo.Hub.SubscriberCount;
        await client.SubscribeToChangesAsync("one", wanted);
        await client.SubscribeToChangesAsync("all", segmentId: null);
        await Silo.Hub.WaitForSubscribers(hubSubscribers + 2).WaitAsync(TimeSpan.FromSeconds(10));

        await Silo.PublishFromGrainAsync(Changes.Entered(other, profile, 1), Changes.Entered(wanted, profile, 2));
        var received = new List<(string Id, ReceivedChange Change)>();
        while (received.Count(r => r.Id == "all" && (r.Change.SegmentId == wanted || r.Change.SegmentId == other)) < 2
            || received.All(r => r.Id != "one"))
        {
            var message = await client.ReceiveAsync("next");
            received.Add((message.GetProperty("id").GetString()!, ReceivedChange.From(message)));
        }

        var one = received.Where(r => r.Id == "one").Select(r => r.Change.SegmentId).ToList();
        var all = received.Where(r => r.Id == "all" && (r.Change.SegmentId == wanted || r.Change.SegmentId == other)).Select(r => r.Change.SegmentId).ToList();
        Assert.Equal([wanted], one);
        Assert.Equal([other, wanted], all);
    }

    [Fact]
    public async Task Complete_from_the_client_stops_delivery()
    {
        var segment = Changes.NewId("seg");
        var profile = Changes.NewId("profile");
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(Silo.WebSocketUri);
        var hubSubscribers = Silo.Hub.SubscriberCount;
        await client.SubscribeToChangesAsync("s", segment);
        await Silo.Hub.WaitForSubscribers(hubSubscribers + 1).WaitAsync(TimeSpan.FromSeconds(10));
        await Silo.PublishFromGrainAsync(Changes.Entered(segment, profile, 1));
        await client.ReceiveChangeAsync("s");

        await client.CompleteAsync("s");
        await Silo.Hub.WaitForSubscribers(hubSubscribers).WaitAsync(TimeSpan.FromSeconds(10));
        // A second subscription on another socket proves the change below was delivered to this host.
        await using var witness = await GraphQLWebSocketTestClient.ConnectAndInitAsync(Silo.WebSocketUri);
        await witness.SubscribeToChangesAsync("w", segment);
        await Silo.Hub.WaitForSubscribers(hubSubscribers + 1).WaitAsync(TimeSpan.FromSeconds(10));
        await Silo.PublishFromGrainAsync(Changes.Exited(segment, profile, 2));
        await witness.ReceiveChangeAsync("w");

        await client.AssertNothingPendingAsync();
    }
}
