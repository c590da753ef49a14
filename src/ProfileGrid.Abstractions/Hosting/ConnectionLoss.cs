namespace ProfileGrid.Hosting;

/// <summary>
/// Tells the calls in flight that this host lost a connection they may have been sent on. An Orleans client (a
/// gateway) does not fail the calls it sent through a silo that then died: they wait out Orleans' response timeout
/// (30 s), though no answer can come. A gateway host reports each lost connection here, and the API sends its
/// idempotent calls again (ResentCalls in ProfileGrid.GraphQL). A silo needs none: Orleans fails a silo's calls to
/// another silo once that one is declared dead.
/// </summary>
public sealed class ConnectionLoss
{
    private CancellationTokenSource _next = new();
    private int _losses;

    /// <summary>Cancelled at the next loss of a connection; a call sent now watches it.</summary>
    public CancellationToken Next => Volatile.Read(ref _next).Token;

    /// <summary>How many losses were reported.</summary>
    public int Losses => Volatile.Read(ref _losses);

    /// <summary>A connection was lost: the calls watching <see cref="Next"/> are told (on the thread pool), later calls watch a new token.</summary>
    public void Lost()
    {
        Interlocked.Increment(ref _losses);
        _ = Interlocked.Exchange(ref _next, new CancellationTokenSource()).CancelAsync();
    }
}
