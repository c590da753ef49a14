using System.Collections.Immutable;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>The hub notices that the registry no longer knows its listener, and registers again.</summary>
public sealed class ListenerRecoveryTests
{
    [Fact]
    public async Task Hub_registers_again_when_the_registry_loses_its_listener_and_delivery_resumes()
    {
        await using var silo = await GridHost.StartSiloAsync(
            $"recovery-{Guid.NewGuid():N}",
            settings: new Dictionary<string, string?> { ["ProfileGrid:Subscriptions:HealthCheckInterval"] = "00:00:00.200" });
        var registry = silo.Grains.GetGrain<ISegmentListenerRegistryGrain>(0);
        var generation = silo.Hub.Generation;

        // What the registry knows of this host: exactly the hub's one listener. Drop it, as a registry
        // that lost its state would have; the relays stop sending to this host. (Not asked whether it is
        // gone: the hub checks every 200 ms and may register again before the question arrives, which
        // failed this test once in CI.) The hub registering again is its next generation.
        var listener = Assert.Single((await registry.Listeners()).Listeners);
        await registry.RemoveListener(listener);

        await silo.Hub.WaitForGeneration(generation + 1).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single((await registry.Listeners()).Listeners);
        var segment = Changes.NewId("seg");
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(silo.WebSocketUri);
        await client.SubscribeToChangesAsync("s", segment);
        await silo.Hub.WaitForSubscribers(1).WaitAsync(TimeSpan.FromSeconds(10));
        var profiles = Enumerable.Range(0, 8).Select(_ => Changes.NewId("profile")).ToList();
        await silo.PublishFromGrainAsync([.. profiles.Select(p => Changes.Entered(segment, p, 1))]);

        var received = new List<string>();
        for (var i = 0; i < profiles.Count; i++) received.Add((await client.ReceiveChangeAsync("s")).ProfileId);
        Assert.Equal(profiles, received);
    }

    [Fact]
    public async Task A_stopped_host_leaves_the_registry()
    {
        var serviceId = $"leave-{Guid.NewGuid():N}";
        await using var a = await GridHost.StartSiloAsync(serviceId);
        var gateway = await GridHost.StartGatewayAsync(serviceId, a);
        var registry = a.Grains.GetGrain<ISegmentListenerRegistryGrain>(0);
        Assert.Equal(2, (await registry.Listeners()).Listeners.Length);

        await gateway.DisposeAsync();

        Assert.Single((await registry.Listeners()).Listeners);
    }

    [Fact]
    public async Task A_host_that_never_answers_holds_up_no_other_host()
    {
        await using var silo = await GridHost.StartSiloAsync($"stuck-{Guid.NewGuid():N}");
        var registry = silo.Grains.GetGrain<ISegmentListenerRegistryGrain>(0);
        using var stuck = new StuckListener();
        var stuckReference = silo.Grains.CreateObjectReference<ISegmentChangeListener>(stuck);
        await registry.RegisterListener(stuckReference);
        Assert.Equal(2, (await registry.Listeners()).Listeners.Length);

        var segment = Changes.NewId("seg");
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(silo.WebSocketUri);
        await client.SubscribeToChangesAsync("s", segment);
        await silo.Hub.WaitForSubscribers(1).WaitAsync(TimeSpan.FromSeconds(10));
        var profiles = Enumerable.Range(0, 20).Select(_ => Changes.NewId("profile")).ToList();
        foreach (var profile in profiles) await silo.PublishFromGrainAsync(Changes.Entered(segment, profile, 1));

        // All of them, well within the relay's delivery timeout, while the stuck host sits on its first batch.
        var received = new List<string>();
        using var within = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        for (var i = 0; i < profiles.Count; i++) received.Add((await client.ReceiveChangeAsync("s").WaitAsync(within.Token)).ProfileId);
        Assert.Equal(profiles, received);
        Assert.True(stuck.Calls >= 1, "the stuck host was never called");
        GC.KeepAlive(stuck);
    }

    [Fact]
    public async Task A_relay_that_could_not_be_told_about_a_new_listener_is_told_again()
    {
        await using var silo = await GridHost.StartSiloAsync($"renotify-{Guid.NewGuid():N}");
        var registry = silo.Grains.GetGrain<ISegmentListenerRegistryGrain>(0);
        var flaky = new FlakyRelay(failures: 2);
        var relay = silo.Grains.CreateObjectReference<ISegmentChangeRelay>(flaky);
        await registry.RegisterRelay(relay);
        using var newHost = new StuckListener();
        var listener = silo.Grains.CreateObjectReference<ISegmentChangeListener>(newHost);

        await registry.RegisterListener(listener);
        var expected = await registry.Listeners();

        // Told at once (refused), again after 1 s (refused), and again after 2 s more: well before the
        // relay's own renewal would have read the listeners.
        var told = await flaky.Told.Task.WaitAsync(TimeSpan.FromSeconds(8));
        Assert.Equal(3, flaky.Calls);
        Assert.Equal(expected.Version, told.Version);
        Assert.Contains(listener, told.Listeners);
        GC.KeepAlive(flaky);
        GC.KeepAlive(newHost);
    }

    /// <summary>A silo's relay whose first calls fail, as over a connection that is being re-established.</summary>
    private sealed class FlakyRelay(int failures) : ISegmentChangeRelay
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public TaskCompletionSource<SegmentListenerSnapshot> Told { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task ListenersChanged(SegmentListenerSnapshot snapshot)
        {
            if (Interlocked.Increment(ref _calls) <= failures) throw new InvalidOperationException("the relay's silo is unreachable (injected by the test)");
            Told.TrySetResult(snapshot);
            return Task.CompletedTask;
        }
    }

    /// <summary>A listening host that takes a batch and does not answer until the test is over.</summary>
    private sealed class StuckListener : ISegmentChangeListener, IDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task Deliver(ImmutableArray<SegmentMembershipChange> changes)
        {
            Interlocked.Increment(ref _calls);
            return _released.Task;
        }

        /// <summary>Answers, so the silo does not wait for the call when it stops.</summary>
        public void Dispose() => _released.TrySetResult();
    }
}
