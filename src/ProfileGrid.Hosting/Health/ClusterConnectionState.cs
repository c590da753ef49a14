namespace ProfileGrid.Hosting.Health;

/// <summary>
/// What a gateway (an Orleans client) knows about its connection to the cluster. The client's
/// start only completes once it has connected, so the host having started means connected; after
/// that Orleans reports every change in the number of silos the client holds connections to.
/// </summary>
public sealed class ClusterConnectionState(IHostApplicationLifetime lifetime, ILogger<ClusterConnectionState> logger) : IClusterConnectionStatusObserver
{
    private int connectedGateways = -1;

    /// <summary>Connected gateways, or -1 before Orleans has reported a change.</summary>
    public int ConnectedGateways => Volatile.Read(ref connectedGateways);

    public bool IsConnected => lifetime.ApplicationStarted.IsCancellationRequested && ConnectedGateways != 0;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        Volatile.Write(ref connectedGateways, currentNumberOfGateways);
        if (connectionRecovered) logger.LogInformation("Connection to the ProfileGrid cluster recovered: {Gateways} silo gateway(s)", currentNumberOfGateways);
    }

    public void NotifyClusterConnectionLost()
    {
        Volatile.Write(ref connectedGateways, 0);
        logger.LogWarning("Connection to the ProfileGrid cluster lost: no silo gateway reachable; /health/ready answers 503 until one is");
    }
}
