namespace ProfileGrid.Api.FunctionalTests;

/// <summary><c>POST /v1/events</c> through the real pipeline: the JSON shape, idempotency, per-event errors, whole-body errors.</summary>
public sealed class EventsApiTests(SiloApiFactory api) : IClassFixture<SiloApiFactory>
{
    private static readonly string Now = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");

    private static string Event(string id, string email, string type = "web.pageView", string? extra = null) =>
        $$"""{"id":"{{id}}","type":"{{type}}","timestamp":"{{Now}}","identities":[{"namespace":"email","id":"{{email}}"}]{{extra}}}""";

    [Fact]
    public async Task Good_batch_is_accepted_and_the_person_can_be_looked_up()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = $"[{Event($"{run}-1", $"Good.{run}@Example.com")},{Event($"{run}-2", $"good.{run}@example.com", "commerce.purchase", ",\"revenue\":42.5,\"channel\":\"web\"")}]";

        var (status, json) = await api.PostEvents(body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, json!["accepted"]!.GetValue<int>());
        Assert.Equal(0, json["duplicates"]!.GetValue<int>());
        Assert.Empty(json["rejected"]!.AsArray());
        var data = await api.GraphQL("query($id: String!) { profile(namespace: \"email\", id: $id) { events { id } stats { lifetimeRevenue purchaseCount } } }",
            new { id = $"GOOD.{run}@example.com" });
        Assert.Equal(2, data["profile"]!["events"]!.AsArray().Count);
        Assert.Equal(42.5, data["profile"]!["stats"]!["lifetimeRevenue"]!.GetValue<double>());
    }

    [Fact]
    public async Task Identity_namespaces_are_read_as_written_whether_common_escaped_or_not()
    {
        // "ecid" written with an escape next to a plain "email"; then one that only starts like a common namespace.
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = $$"""
            [{"id":"{{run}}-ns","type":"web.pageView","timestamp":"{{Now}}","identities":[{"namespace":"\u0065cid","id":"dev-{{run}}"},{"namespace":"email","id":"ns.{{run}}@example.com"}]},
             {"id":"{{run}}-nx","type":"web.pageView","timestamp":"{{Now}}","identities":[{"namespace":"emailx","id":"x-{{run}}"}]}]
            """;

        var (_, json) = await api.PostEvents(body);

        Assert.Equal(1, json!["accepted"]!.GetValue<int>());
        Assert.Contains("namespace 'emailx' is not configured", Assert.Single(json["rejected"]!.AsArray())!["reason"]!.GetValue<string>());
        var data = await api.GraphQL("query($id: String!) { profile(namespace: \"ecid\", id: $id) { identities { namespace id } } }", new { id = $"dev-{run}" });
        var identities = data["profile"]!["identities"]!.AsArray().Select(i => $"{i!["namespace"]}:{i["id"]}").Order(StringComparer.Ordinal);
        Assert.Equal([$"ecid:dev-{run}", $"email:ns.{run}@example.com"], identities);
    }

    [Fact]
    public async Task Resending_a_batch_counts_every_event_as_duplicate_and_changes_nothing()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = $"[{Event($"{run}-1", $"dup.{run}@example.com", "commerce.purchase", ",\"revenue\":10")}]";
        Assert.Equal(1, (await api.PostEvents(body)).Body!["accepted"]!.GetValue<int>());

        var (status, again) = await api.PostEvents(body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, again!["accepted"]!.GetValue<int>());
        Assert.Equal(1, again["duplicates"]!.GetValue<int>());
        var data = await api.GraphQL("query($id: String!) { profile(namespace: \"email\", id: $id) { stats { eventCount lifetimeRevenue } } }", new { id = $"dup.{run}@example.com" });
        Assert.Equal(1, data["profile"]!["stats"]!["eventCount"]!.GetValue<int>());
        Assert.Equal(10, data["profile"]!["stats"]!["lifetimeRevenue"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("""{"type":"web.pageView","timestamp":"2026-01-01T00:00:00Z","identities":[{"namespace":"email","id":"a@b.example"}]}""", "id")]
    [InlineData("""{"id":"x-no-type","timestamp":"2026-01-01T00:00:00Z","identities":[{"namespace":"email","id":"a@b.example"}]}""", "type")]
    [InlineData("""{"id":"x-no-ids","type":"web.pageView","timestamp":"2026-01-01T00:00:00Z","identities":[]}""", "identities")]
    [InlineData("""{"id":"x-ns","type":"web.pageView","timestamp":"2026-01-01T00:00:00Z","identities":[{"namespace":"shoeSize","id":"42"}]}""", "namespace")]
    [InlineData("""{"id":"x-email","type":"web.pageView","timestamp":"2026-01-01T00:00:00Z","identities":[{"namespace":"email","id":"not-an-email"}]}""", "email")]
    [InlineData("""{"id":"x-blocked","type":"web.pageView","timestamp":"2026-01-01T00:00:00Z","identities":[{"namespace":"ecid","id":"undefined"}]}""", "blocked")]
    [InlineData("""{"id":"x-ts","type":"web.pageView","timestamp":"yesterday","identities":[{"namespace":"email","id":"a@b.example"}]}""", "timestamp")]
    [InlineData("""{"id":"x-future","type":"web.pageView","timestamp":"2999-01-01T00:00:00Z","identities":[{"namespace":"email","id":"a@b.example"}]}""", "future")]
    [InlineData("""{"id":"x-attrs","type":"web.pageView","timestamp":"2026-01-01T00:00:00Z","identities":[{"namespace":"email","id":"a@b.example"}],"attributes":[1,2]}""", "attributes")]
    public async Task Bad_event_is_rejected_with_a_reason_naming_the_field(string badEvent, string reasonMentions)
    {
        var (status, json) = await api.PostEvents($"[{badEvent}]");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, json!["accepted"]!.GetValue<int>());
        var rejected = Assert.Single(json["rejected"]!.AsArray());
        Assert.Equal(0, rejected!["index"]!.GetValue<int>());
        Assert.Contains(reasonMentions, rejected["reason"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Event_over_the_size_limit_is_rejected()
    {
        var big = $",\"attributes\":{{\"blob\":\"{new string('x', 11 * 1024)}\"}}";
        var (_, json) = await api.PostEvents($"[{Event(Guid.NewGuid().ToString("N"), "big@example.com", extra: big)}]");
        var rejected = Assert.Single(json!["rejected"]!.AsArray());
        Assert.Contains("bytes", rejected!["reason"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public async Task The_size_limit_counts_an_events_own_bytes_in_the_body(int over, bool accepted)
    {
        // Two-byte characters and an escape: the limit is on the event's UTF-8 bytes as sent (10,240 by default).
        var id = Guid.NewGuid().ToString("N");
        string With(int twoByte, int ascii) =>
            Event(id, "size@example.com", extra: $",\"attributes\":{{\"note\":\"\\u00e9{new string('x', ascii)}{new string('é', twoByte)}\"}}");
        var room = 10 * 1024 - Encoding.UTF8.GetByteCount(With(0, 0));
        var sent = With(room / 2, room % 2 + over);
        Assert.Equal(10 * 1024 + over, Encoding.UTF8.GetByteCount(sent));

        var (_, json) = await api.PostEvents($"[{sent}]");

        Assert.Equal(accepted ? 1 : 0, json!["accepted"]!.GetValue<int>());
        if (!accepted) Assert.Contains("10241 bytes, over the limit of 10240 bytes", Assert.Single(json["rejected"]!.AsArray())!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Event_with_more_than_twenty_identities_is_rejected()
    {
        var identities = string.Join(",", Enumerable.Range(0, 21).Select(i => $"{{\"namespace\":\"ecid\",\"id\":\"dev-{Guid.NewGuid():N}-{i}\"}}"));
        var (_, json) = await api.PostEvents($$"""[{"id":"{{Guid.NewGuid():N}}","type":"web.pageView","timestamp":"{{Now}}","identities":[{{identities}}]}]""");
        var rejected = Assert.Single(json!["rejected"]!.AsArray());
        Assert.Contains("20", rejected!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Mixed_batch_accepts_the_good_events_and_reports_each_bad_one_by_index()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = $$"""
            [{{Event($"{run}-a", $"mixed.{run}@example.com")}},
             {"id":"{{run}}-b","type":"web.pageView","timestamp":"{{Now}}","identities":[{"namespace":"email","id":"null"}]},
             {{Event($"{run}-c", $"mixed.{run}@example.com", "email.open")}},
             {"id":"{{run}}-d","type":"not dotted","timestamp":"{{Now}}","identities":[{"namespace":"email","id":"x@y.example"}]}]
            """;

        var (status, json) = await api.PostEvents(body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, json!["accepted"]!.GetValue<int>());
        var rejected = json["rejected"]!.AsArray();
        Assert.Equal([1, 3], rejected.Select(r => r!["index"]!.GetValue<int>()));
        Assert.Equal([$"{run}-b", $"{run}-d"], rejected.Select(r => r!["eventId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Ndjson_body_is_accepted_line_by_line()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = $"{Event($"{run}-1", $"nd.{run}@example.com")}\n{Event($"{run}-2", $"nd.{run}@example.com")}\n";
        var (status, json) = await api.PostEvents(body, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, json!["accepted"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-ndjson")]
    public async Task A_chunked_body_many_times_larger_than_the_first_read_buffer_is_read_whole(string mediaType)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var events = Enumerable.Range(0, 400).Select(i => Event($"{run}-{i}", $"chunked.{run}.{i % 7}@example.com",
            extra: $$""","attributes":{"note":"{{new string('n', 200)}}"}""")).ToList();
        var body = mediaType == "application/json" ? "[" + string.Join(",", events) + "]" : string.Join("\n", events);
        Assert.True(body.Length > 4 * 16 * 1024);

        var (status, json) = await api.PostEventsChunked(body, mediaType);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(400, json!["accepted"]!.GetValue<int>());
        Assert.Empty(json["rejected"]!.AsArray());
    }

    [Theory]
    [InlineData("[{\"id\": \"a\",, }]", "application/json")]
    [InlineData("42", "application/json")]
    [InlineData("{\"id\":\"a\"}\n{broken\n", "application/x-ndjson")]
    public async Task Malformed_body_is_400_with_the_parse_position(string body, string mediaType)
    {
        var (status, json) = await api.PostEvents(body, mediaType);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var detail = json!.ToJsonString();
        Assert.Matches("(line|position|byte|array)", detail);
    }

    [Fact]
    public async Task A_single_event_object_is_accepted_as_a_batch_of_one()
    {
        var (status, json) = await api.PostEvents(Event(Guid.NewGuid().ToString("N"), "single@example.com"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, json!["accepted"]!.GetValue<int>());
    }

    [Fact]
    public async Task Unsupported_media_type_is_415()
    {
        var (status, _) = await api.PostEvents("<events/>", "application/xml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
    }

    [Fact]
    public async Task GraphQL_ingestEvents_answers_the_same_shape()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        const string mutation = """
            mutation($events: [EventInput!]!) { ingestEvents(events: $events) { accepted duplicates rejected { index eventId reason } } }
            """;
        var events = new object[]
        {
            new { id = $"{run}-1", type = "ad.click", timestamp = Now, channel = "ad", campaign = "c1", identities = new[] { new { @namespace = "ecid", id = $"dev-{run}" } } },
            new { id = $"{run}-2", type = "ad.click", timestamp = Now, identities = new[] { new { @namespace = "email", id = "nope" } } },
        };

        var first = (await api.GraphQL(mutation, new { events }))["ingestEvents"]!;
        var second = (await api.GraphQL(mutation, new { events }))["ingestEvents"]!;

        Assert.Equal(1, first["accepted"]!.GetValue<int>());
        Assert.Equal(1, first["rejected"]!.AsArray()[0]!["index"]!.GetValue<int>());
        Assert.Equal(0, second["accepted"]!.GetValue<int>());
        Assert.Equal(1, second["duplicates"]!.GetValue<int>());
    }
}
