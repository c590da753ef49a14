using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ProfileGrid.Benchmarks;

/// <summary>
/// Event-to-notification latency over a WebSocket against a running host (silo or gateway): defines
/// a segment every new bench person enters with their first event, subscribes to it with
/// graphql-transport-ws, ingests new people over <c>POST /v1/events</c> at a fixed rate, and for each
/// ENTERED change takes the time it was read from the socket minus the time its event's request
/// was sent (one clock: this process's). Changes are tied back to their event through the
/// profile's identity (a GraphQL lookup after the run, so lookups do not disturb the measurement).
/// With <c>--existing</c> every bench person is created first (an event of another type, not
/// measured, sent as fast as the host takes it), so the measured events land on existing profiles,
/// as most events in a running grid do; without it every measured event also creates its person.
/// <code>latency [--url http://127.0.0.1:5000] [--rate 5000] [--seconds 10] [--batch 50] [--warmup 2] [--existing]</code>
/// </summary>
public static class SubscriptionLatency
{
    public static async Task<int> Run(string[] args)
    {
        var options = Options.Parse(args);
        var run = Guid.NewGuid().ToString("N")[..8];
        var segmentId = $"bench-latency-{run}";
        var eventType = $"bench.latency.r{run}";
        using var http = new HttpClient { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(60) };

        await GraphQL(http, "mutation($input: SegmentInput!) { defineSegment(input: $input) { id } }", new
        {
            input = new { id = segmentId, name = "latency benchmark", expression = $"exists(events where type = \"{eventType}\")" },
        });

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        await socket.ConnectAsync(new UriBuilder(new Uri(options.Url, "/graphql")) { Scheme = options.Url.Scheme == "https" ? "wss" : "ws" }.Uri, CancellationToken.None);
        await Send(socket, new { type = "connection_init" });
        var ack = await Receive(socket);
        if (ack?["type"]?.GetValue<string>() != "connection_ack") throw new InvalidOperationException($"expected connection_ack, got {ack}");
        await Send(socket, new
        {
            id = "latency",
            type = "subscribe",
            payload = new { query = "subscription($s: ID) { segmentMembershipChanged(segmentId: $s) { profileId status at sequence } }", variables = new { s = segmentId } },
        });

        var received = new ConcurrentQueue<(string ProfileId, long At, double SinceChangeMs)>();
        var receiving = Task.Run(async () =>
        {
            while (true)
            {
                var message = await Receive(socket);
                var at = Stopwatch.GetTimestamp();
                var wallClock = DateTimeOffset.UtcNow;
                if (message is null) return;
                var type = message["type"]?.GetValue<string>();
                if (type == "next")
                {
                    var change = message["payload"]?["data"]?["segmentMembershipChanged"];
                    if (change?["status"]?.GetValue<string>() == "ENTERED")
                    {
                        var changedAt = DateTimeOffset.Parse(change["at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                        received.Enqueue((change["profileId"]!.GetValue<string>(), at, (wallClock - changedAt).TotalMilliseconds));
                    }
                }
                else if (type is "error" or "complete")
                {
                    Console.Error.WriteLine($"subscription ended: {message}");
                    return;
                }
            }
        });

        var warmupEvents = options.Rate * options.WarmupSeconds;
        var measuredEvents = options.Rate * options.Seconds;
        var total = warmupEvents + measuredEvents;
        var sentAt = new long[total];
        var failures = 0;
        var inFlight = new SemaphoreSlim(256);
        var requests = new List<Task>();
        if (options.Existing)
        {
            var creating = Stopwatch.GetTimestamp();
            var creators = new SemaphoreSlim(8);
            for (var first = 0; first < total; first += 500)
            {
                await creators.WaitAsync();
                requests.Add(Post(http, Batch(run, first, Math.Min(500, total - first), $"{eventType}.base", "base"), creators, () => Interlocked.Increment(ref failures)));
            }

            await Task.WhenAll(requests);
            requests.Clear();
            Console.WriteLine($"created {total} people in {Stopwatch.GetElapsedTime(creating).TotalSeconds:F1} s, {failures} failed requests");
        }

        var start = Stopwatch.GetTimestamp();
        var batchInterval = (double)options.Batch / options.Rate;
        for (var first = 0; first < total; first += options.Batch)
        {
            var due = start + (long)(first / options.Batch * batchInterval * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < due)
            {
                var wait = TimeSpan.FromTicks((due - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
                if (wait > TimeSpan.FromMilliseconds(2)) await Task.Delay(wait - TimeSpan.FromMilliseconds(1));
                else Thread.SpinWait(50);
            }

            var count = Math.Min(options.Batch, total - first);
            var body = Batch(run, first, count, eventType, "event");
            await inFlight.WaitAsync();
            var now = Stopwatch.GetTimestamp();
            for (var n = first; n < first + count; n++) sentAt[n] = now;
            requests.Add(Post(http, body, inFlight, () => Interlocked.Increment(ref failures)));
        }

        await Task.WhenAll(requests);
        var sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
        while (received.Count < total && Stopwatch.GetTimestamp() < deadline && !receiving.IsCompleted) await Task.Delay(50);

        // Tie every change to its event through the profile's identity.
        var changes = received.ToArray();
        var latencies = new ConcurrentBag<double>();
        var sinceChange = new ConcurrentBag<double>();
        await Parallel.ForEachAsync(changes, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (change, _) =>
        {
            var data = await GraphQL(http, "query($id: ID!) { profileById(id: $id) { identities { namespace id } } }", new { id = change.ProfileId });
            var email = data["profileById"]?["identities"]?.AsArray().Select(i => i?["id"]?.GetValue<string>()).FirstOrDefault(i => i?.StartsWith($"bench-{run}-", StringComparison.Ordinal) == true);
            if (email is null) return;
            var n = int.Parse(email.AsSpan($"bench-{run}-".Length, email.IndexOf('@') - $"bench-{run}-".Length), CultureInfo.InvariantCulture);
            if (n < warmupEvents) return;
            latencies.Add((change.At - sentAt[n]) * 1000.0 / Stopwatch.Frequency);
            sinceChange.Add(change.SinceChangeMs);
        });

        var sorted = latencies.Order().ToArray();
        Console.WriteLine($"host {options.Url}  segment {segmentId}  {(options.Existing ? "existing people" : "every event a new person")}");
        Console.WriteLine($"sent {total} events ({warmupEvents} warm-up) in {sendSeconds:F1} s = {total / sendSeconds:F0} events/s (target {options.Rate}), batches of {options.Batch}, {failures} failed requests");
        Console.WriteLine($"ENTERED received {changes.Length} of {total}; measured {sorted.Length} of {measuredEvents}");
        if (sorted.Length > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"event -> notification latency ms: p50 {Percentile(sorted, 0.50):F1}  p90 {Percentile(sorted, 0.90):F1}  p99 {Percentile(sorted, 0.99):F1}  max {sorted[^1]:F1}"));
            var path = sinceChange.Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  of which membership change (its `at`, server clock) -> notification ms: p50 {Percentile(path, 0.50):F1}  p90 {Percentile(path, 0.90):F1}  p99 {Percentile(path, 0.99):F1}  max {path[^1]:F1}"));
        }

        return sorted.Length == measuredEvents && failures == 0 ? 0 : 1;
    }

    /// <summary>Events <paramref name="first"/>.. for bench people of the same numbers, one event each.</summary>
    private static string Batch(string run, int first, int count, string eventType, string idPrefix)
    {
        var body = new StringBuilder("[");
        for (var n = first; n < first + count; n++)
        {
            if (n > first) body.Append(',');
            body.Append(CultureInfo.InvariantCulture, $$"""{"id":"{{run}}-{{idPrefix}}-{{n}}","type":"{{eventType}}","timestamp":"{{DateTimeOffset.UtcNow:O}}","identities":[{"namespace":"email","id":"bench-{{run}}-{{n}}@latency.example"}]}""");
        }

        return body.Append(']').ToString();
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task Post(HttpClient http, string body, SemaphoreSlim inFlight, Action failed)
    {
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("/v1/events", content);
            if (!response.IsSuccessStatusCode) failed();
        }
        catch (HttpRequestException)
        {
            failed();
        }
        finally
        {
            inFlight.Release();
        }
    }

    private static async Task<JsonObject> GraphQL(HttpClient http, string query, object variables)
    {
        using var response = await http.PostAsJsonAsync("/graphql", new { query, variables });
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        if (json["errors"] is { } errors) throw new InvalidOperationException($"GraphQL errors: {errors}");
        return json["data"]!.AsObject();
    }

    private static Task Send(ClientWebSocket socket, object message) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private static async Task<JsonNode?> Receive(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return JsonNode.Parse(message.ToArray());
    }

    private sealed record Options(Uri Url, int Rate, int Seconds, int Batch, int WarmupSeconds, bool Existing)
    {
        public static Options Parse(string[] args)
        {
            var options = CommandOptions.Parse("latency", args, ["--url", "--rate", "--seconds", "--batch", "--warmup"], ["--existing"]);
            return new Options(
                options.Url("--url", "http://127.0.0.1:5000"),
                options.Int("--rate", 5000),
                options.Int("--seconds", 10),
                options.Int("--batch", 50),
                options.Int("--warmup", 2, min: 0),
                options.Flag("--existing"));
        }
    }
}
