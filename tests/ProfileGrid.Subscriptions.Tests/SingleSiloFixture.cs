namespace ProfileGrid.Subscriptions.Tests;

/// <summary>One silo host (the real silo wiring, the real schema), shared by the tests of a class.</summary>
public sealed class SingleSiloFixture : IAsyncLifetime
{
    public GridHost Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await GridHost.StartSiloAsync($"subscriptions-{Guid.NewGuid():N}");

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>Two silo hosts forming one cluster, and a gateway connected to the first.</summary>
public sealed class TwoSiloFixture : IAsyncLifetime
{
    public GridHost A { get; private set; } = null!;

    public GridHost B { get; private set; } = null!;

    public GridHost Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var serviceId = $"subscriptions-{Guid.NewGuid():N}";
        A = await GridHost.StartSiloAsync(serviceId);
        B = await GridHost.StartSiloAsync(serviceId, primary: A);
        Gateway = await GridHost.StartGatewayAsync(serviceId, A);
        await WaitUntilEveryHostReceivesAsync();
    }

    /// <summary>
    /// Probes from silo B until every host's hub has received a change, so the tests start on a
    /// cluster whose relays all know every listener (and fail here, clearly, when delivery is broken).
    /// </summary>
    private async Task WaitUntilEveryHostReceivesAsync()
    {
        var hosts = new[] { A, B, Gateway };
        var probes = hosts.Select(_ => new ProbeObserver()).ToArray();
        var subscriptions = hosts.Select((host, i) => host.Hub.Changes(null).Subscribe(probes[i])).ToArray();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!probes.All(p => p.Received.Task.IsCompleted))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the hosts of the two-silo cluster did not all receive a probe change within 60 s");
                await B.PublishFromGrainAsync(Changes.Entered(Changes.NewId("probe"), Changes.NewId("probe-profile"), 1));
                await Task.WhenAny(Task.WhenAll(probes.Select(p => p.Received.Task)), Task.Delay(500));
            }
        }
        finally
        {
            foreach (var subscription in subscriptions) subscription.Dispose();
        }
    }

    private sealed class ProbeObserver : IObserver<SegmentMembershipChange>
    {
        public TaskCompletionSource Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnNext(SegmentMembershipChange value) => Received.TrySetResult();

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}

internal static class Changes
{
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static SegmentMembershipChange Entered(string segmentId, string profileId, long sequence) =>
        new(segmentId, profileId, MembershipChangeStatus.Entered, DateTimeOffset.UtcNow, sequence);

    public static SegmentMembershipChange Exited(string segmentId, string profileId, long sequence) =>
        new(segmentId, profileId, MembershipChangeStatus.Exited, DateTimeOffset.UtcNow, sequence);
}
