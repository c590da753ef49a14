using System.Text;

namespace ProfileGrid.Deployment.Tests.Processes;

/// <summary>
/// SIGTERM on a real silo process on PostgreSQL: readiness goes unready first, a request already in
/// flight still completes, the process exits 0 within its shutdown budget, its membership row ends
/// Dead, and what it acknowledged is there when it comes back.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class GracefulShutdownTests(PostgresServerFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresServerFixture>
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(3);

    [PostgresFact]
    public async Task Sigterm_finishes_the_in_flight_request_exits_0_and_leaves_the_membership_dead()
    {
        var connectionString = await postgres.CreateDatabaseAsync("sigterm");
        await using var grid = new ProcessGrid(connectionString, ShutdownTimeout, DrainDelay);
        var silo = grid.StartSilo();
        await silo.WaitUntilReadyAsync(grid.Http, ProcessGrid.StartTimeout);

        var run = Guid.NewGuid().ToString("N")[..8];
        var email = $"drain.{run}@example.com";
        var events = Enumerable.Range(0, 200).Select(i => GridApi.Event($"{run}-{i}", email, DateTimeOffset.UtcNow.AddMinutes(-1))).ToList();
        var body = new HeldBody(Encoding.UTF8.GetBytes("[" + string.Join(",", events) + "]"));

        // Expect: 100-continue makes the client send the body only once the endpoint starts reading it:
        // when the body is asked for, the request is in flight inside the silo.
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(silo.Http, "/v1/events")) { Content = body };
        request.Headers.ExpectContinue = true;
        var responseTask = client.SendAsync(request);
        await body.Requested.WaitAsync(TimeSpan.FromSeconds(30));

        var stopwatch = Stopwatch.StartNew();
        silo.Terminate();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ReadinessOnceStoppingAsync(grid.Http, silo));
        body.Release();

        using var response = await responseTask;
        var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(events.Count, result["accepted"]!.GetValue<int>());

        Assert.True(await silo.WaitForExitAsync(ShutdownTimeout + TimeSpan.FromSeconds(5)), $"the silo did not exit within its shutdown budget:\n{silo.RecentOutput()}");
        output.WriteLine($"SIGTERM to exit: {stopwatch.Elapsed.TotalSeconds:0.0} s (drain delay {DrainDelay.TotalSeconds} s, budget {ShutdownTimeout.TotalSeconds} s)");
        Assert.True(silo.ExitCode == 0, $"exit code {silo.ExitCode}:\n{silo.RecentOutput()}");
        Assert.True(stopwatch.Elapsed < ShutdownTimeout, $"took {stopwatch.Elapsed}");

        var membership = await ProcessGrid.MembershipAsync(connectionString, grid.ClusterId);
        var row = Assert.Single(membership);
        Assert.Equal(6, row.Status);

        var again = grid.RestartSilo(0);
        await again.WaitUntilReadyAsync(grid.Http, ProcessGrid.StartTimeout);
        var profile = await GridApi.LookupAsync(grid.Http, again.Http, email);
        Assert.True(profile is not null, $"after the restart: {(await GridApi.LookupRawAsync(grid.Http, again.Http, email)).Body.ToJsonString()}\n{again.RecentOutput()}");
        Assert.Equal(events.Count, profile.Value.EventCount);
        Assert.Equal(events.Count, profile.Value.EventIds.Distinct().Count());
    }

    /// <summary>The first readiness answer after SIGTERM (within the drain delay the host still takes requests).</summary>
    private static async Task<HttpStatusCode> ReadinessOnceStoppingAsync(HttpClient client, HostProcess silo)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < DrainDelay)
        {
            using var response = await client.GetAsync(new Uri(silo.Http, "/health/ready"));
            if (response.StatusCode != HttpStatusCode.OK) return response.StatusCode;
            await Task.Delay(50);
        }

        return HttpStatusCode.OK;
    }

    /// <summary>A request body that is sent only when <see cref="Release"/> is called, and says when it is asked for.</summary>
    private sealed class HeldBody(byte[] bytes) : HttpContent
    {
        private readonly TaskCompletionSource requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Requested => requested.Task;

        public void Release() => released.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            Headers.ContentType ??= new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            requested.TrySetResult();
            await released.Task;
            await stream.WriteAsync(bytes);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }

    /// <summary>
    /// A gateway told to stop while its silo answers nothing (frozen, as a hung or partitioned node) and a request
    /// waits on that silo still exits 0 within its budget, and the request is not reported as accepted.
    /// </summary>
    [PostgresFact]
    public async Task A_gateway_stopped_while_its_silo_answers_nothing_exits_0_within_its_budget()
    {
        var connectionString = await postgres.CreateDatabaseAsync("sigterm_gateway");
        var budget = TimeSpan.FromSeconds(4);
        await using var grid = new ProcessGrid(connectionString, budget, TimeSpan.FromSeconds(1));
        var silo = grid.StartSilo();
        await silo.WaitUntilReadyAsync(grid.Http, ProcessGrid.StartTimeout);
        var gateway = grid.StartGateway();
        await gateway.WaitUntilReadyAsync(grid.Http, ProcessGrid.StartTimeout);
        var run = Guid.NewGuid().ToString("N")[..8];
        Assert.Null(await GridApi.IngestAsync(grid.Http, gateway.Http, [GridApi.Event($"{run}-1", $"gone.{run}@example.com", DateTimeOffset.UtcNow.AddMinutes(-1))]));

        silo.Freeze();
        // A request in flight to the frozen silo holds the gateway's drain until the budget runs out.
        using var hanging = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var inFlight = GridApi.IngestAsync(grid.Http, gateway.Http, [GridApi.Event($"{run}-2", $"gone.{run}@example.com", DateTimeOffset.UtcNow)], hanging.Token);
        await Task.Delay(TimeSpan.FromSeconds(1));
        gateway.Terminate();

        Assert.True(await gateway.WaitForExitAsync(budget + TimeSpan.FromSeconds(10)), $"the gateway did not stop:\n{gateway.RecentOutput()}");
        Assert.True(gateway.ExitCode == 0, $"exit code {gateway.ExitCode}:\n{gateway.RecentOutput()}");
        // Its caller was not told that it succeeded.
        string? answer;
        try
        {
            answer = await inFlight;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            answer = e.Message;
        }
        Assert.NotNull(answer);
    }
}