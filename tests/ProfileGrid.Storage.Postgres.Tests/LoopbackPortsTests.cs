using System.Net;
using System.Net.Sockets;

namespace ProfileGrid.Storage.Postgres.Tests;

/// <summary>The ports tests give their servers: free, never twice, and never ones the system hands to outgoing connections.</summary>
public sealed class LoopbackPortsTests
{
    [Fact]
    public void Ports_are_free_distinct_and_below_the_ephemeral_range()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => LoopbackPorts.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, 1024, 32767));
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start();
    }

    [Fact]
    public void A_port_something_listens_on_is_skipped()
    {
        // Take every port of a stretch, then ask: none of the taken ones comes back.
        var taken = new List<TcpListener>();
        try
        {
            var first = LoopbackPorts.Next();
            for (var port = first + 1; port < first + 20 && port < 32000; port++)
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                try { listener.Start(); taken.Add(listener); } catch (SocketException) { }
            }

            var takenPorts = taken.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToHashSet();
            for (var i = 0; i < 30; i++) Assert.DoesNotContain(LoopbackPorts.Next(), takenPorts);
        }
        finally
        {
            foreach (var listener in taken) listener.Stop();
        }
    }
}
