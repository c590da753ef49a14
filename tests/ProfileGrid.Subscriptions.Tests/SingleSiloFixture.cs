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
