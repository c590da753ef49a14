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
    /// Probes from both silos until every host's hub has received a change from each, so the tests
    /// start on a cluster whose relays all know every listener (and fail here, clearly, when delivery
    /// is broken).
    /// </summary>
    private async Task WaitUntilEveryHostReceivesAsync()
    {
        var hosts = new[] { A, B, Gateway };
        var probes = hosts.Select(_ => new ProbeObserver()).ToArray();
        var subscriptions = hosts.Select((host, i) => host.Hub.Changes(null).Subscribe(probes[i])).ToArray();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!probes.All(p => p.Received.IsCompleted))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the hosts of the two-silo cluster did not all receive a probe change within 60 s");
                await A.PublishFromGrainAsync(Changes.Entered(Changes.NewId(ProbeObserver.FromA), Changes.NewId("probe-profile"), 1));
                await B.PublishFromGrainAsync(Changes.Entered(Changes.NewId(ProbeObserver.FromB), Changes.NewId("probe-profile"), 1));
                await Task.WhenAny(Task.WhenAll(probes.Select(p => p.Received)), Task.Delay(500));
            }
        }
        finally
        {
            foreach (var subscription in subscriptions) subscription.Dispose();
        }
    }

    /// <summary>Completes once it has seen a probe published on silo A and one published on silo B.</summary>
    private sealed class ProbeObserver : IObserver<SegmentMembershipChange>
    {
        public const string FromA = "probe-a";
        public const string FromB = "probe-b";
        private readonly TaskCompletionSource _fromA = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _fromB = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Received => Task.WhenAll(_fromA.Task, _fromB.Task);

        public void OnNext(SegmentMembershipChange value)
        {
            if (value.SegmentId.StartsWith(FromA + "-", StringComparison.Ordinal)) _fromA.TrySetResult();
            if (value.SegmentId.StartsWith(FromB + "-", StringComparison.Ordinal)) _fromB.TrySetResult();
        }

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
