using System.Net;
using System.Net.Sockets;

namespace ProfileGrid.Testing.Postgres;

/// <summary>
/// TCP ports of 127.0.0.1 for the servers tests start (PostgreSQL, silos, gateways). A port the system picks
/// for a listener (port 0) is an ephemeral one, which the system may hand to an outgoing connection as its
/// source port before the server that was given it binds it ("address already in use", seen in CI); so ports
/// come from below Linux's ephemeral range (32768 and up), each checked free, and never twice in one process.
/// </summary>
public static class LoopbackPorts
{
    private const int First = 20000;
    private const int Count = 12000;
    private static int _next = Random.Shared.Next(Count);

    /// <summary>A port nothing listens on now, not handed out before by this process.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: the next one.
            }
        }

        throw new InvalidOperationException($"no free TCP port of 127.0.0.1 from {First} to {First + Count - 1}");
    }
}
