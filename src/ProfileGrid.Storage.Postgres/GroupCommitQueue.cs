using System.Threading.Channels;

namespace ProfileGrid.Storage.Postgres;

/// <summary>
/// Group commit: callers queue requests (waiting while
/// <c>maxPending</c> are queued); one loop takes everything queued, up to <c>maxPerFlush</c> units,
/// and hands it to <c>flush</c> as one batch (one round trip, one transaction). The flush completes
/// the requests it was given; the queue only orders and batches them. With <c>writers</c> above one,
/// that many loops take batches in turn and their flushes overlap: only for requests whose order
/// across batches does not matter.
/// </summary>
/// <typeparam name="TRequest">A queued request, carrying its own completion.</typeparam>
public sealed class GroupCommitQueue<TRequest>
{
    private readonly Channel<TRequest> _requests;
    private readonly Func<TRequest, int> _units;
    private readonly int _maxPerFlush;
    private readonly Func<List<TRequest>, Task> _flush;
    private readonly string _owner;
    private readonly Task[] _writers;

    /// <param name="owner">Named in the <see cref="ObjectDisposedException"/> of a request queued after <see cref="CompleteAsync"/>.</param>
    /// <param name="maxPending">Requests queued before callers wait.</param>
    /// <param name="maxPerFlush">Units (<paramref name="units"/>) one flush takes at most; a single larger request still goes alone.</param>
    /// <param name="units">What a request counts towards <paramref name="maxPerFlush"/>.</param>
    /// <param name="flush">Writes a batch and completes (or faults) each of its requests; must not throw.</param>
    /// <param name="writers">Loops taking batches at once (default one: batches flushed in the order queued, one at a time).</param>
    public GroupCommitQueue(string owner, int maxPending, int maxPerFlush, Func<TRequest, int> units, Func<List<TRequest>, Task> flush, int writers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPending, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerFlush, 1);
        _owner = owner;
        _maxPerFlush = maxPerFlush;
        _units = units;
        _flush = flush;
        _requests = Channel.CreateBounded<TRequest>(new BoundedChannelOptions(maxPending)
        {
            SingleReader = writers == 1,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writers = new Task[writers];
        for (var i = 0; i < writers; i++) _writers[i] = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues a request; the caller then awaits the request's own completion.</summary>
    /// <exception cref="ObjectDisposedException">The queue no longer takes requests.</exception>
    public async Task EnqueueAsync(TRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _requests.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(_owner);
        }
    }

    /// <summary>Stops taking requests, flushes those queued, and waits for the writer to finish.</summary>
    public async Task CompleteAsync()
    {
        _requests.Writer.TryComplete();
        await Task.WhenAll(_writers).ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _requests.Reader;
        var batch = new List<TRequest>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var units = 0;
            while (units < _maxPerFlush && reader.TryRead(out var request))
            {
                batch.Add(request);
                units += _units(request);
            }

            await _flush(batch).ConfigureAwait(false);
        }
    }
}
