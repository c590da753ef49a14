namespace ProfileGrid.Storage.Postgres.Tests.Batching;

/// <summary>The group-commit queue: batches while a flush is in flight, one flush at a time unless asked for more.</summary>
public sealed class GroupCommitQueueTests
{
    private sealed record Request(int Number)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Flushes that wait until released, recording the batches they were given and how many ran at once.</summary>
    private sealed class HeldFlushes
    {
        private readonly object gate = new();
        private int running;

        public List<int[]> Batches { get; } = [];

        public int MostAtOnce { get; private set; }

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SemaphoreSlim Started { get; } = new(0);

        public async Task FlushAsync(List<Request> batch)
        {
            lock (gate)
            {
                Batches.Add([.. batch.Select(r => r.Number)]);
                MostAtOnce = Math.Max(MostAtOnce, ++running);
            }

            Started.Release();
            await Release.Task;
            lock (gate) running--;
            foreach (var request in batch) request.Done.TrySetResult();
        }
    }

    [Fact]
    public async Task One_writer_flushes_in_order_and_batches_what_queued_meanwhile()
    {
        var flushes = new HeldFlushes();
        var queue = new GroupCommitQueue<Request>("test", maxPending: 100, maxPerFlush: 100, _ => 1, flushes.FlushAsync);
        var requests = Enumerable.Range(1, 5).Select(i => new Request(i)).ToArray();

        await queue.EnqueueAsync(requests[0], default);
        Assert.True(await flushes.Started.WaitAsync(TimeSpan.FromSeconds(10)));
        foreach (var request in requests.Skip(1)) await queue.EnqueueAsync(request, default);
        var secondStartedWhileFirstHeld = await flushes.Started.WaitAsync(TimeSpan.FromMilliseconds(300));
        flushes.Release.SetResult();
        await Task.WhenAll(requests.Select(r => r.Done.Task)).WaitAsync(TimeSpan.FromSeconds(10));
        await queue.CompleteAsync();

        Assert.False(secondStartedWhileFirstHeld);
        Assert.Equal([[1], [2, 3, 4, 5]], flushes.Batches);
        Assert.Equal(1, flushes.MostAtOnce);
    }

    [Fact]
    public async Task Two_writers_start_the_next_batch_while_the_first_is_in_flight()
    {
        var flushes = new HeldFlushes();
        var queue = new GroupCommitQueue<Request>("test", maxPending: 100, maxPerFlush: 100, _ => 1, flushes.FlushAsync, writers: 2);
        var requests = Enumerable.Range(1, 3).Select(i => new Request(i)).ToArray();

        await queue.EnqueueAsync(requests[0], default);
        Assert.True(await flushes.Started.WaitAsync(TimeSpan.FromSeconds(10)));
        await queue.EnqueueAsync(requests[1], default);
        await queue.EnqueueAsync(requests[2], default);
        var secondStartedWhileFirstHeld = await flushes.Started.WaitAsync(TimeSpan.FromSeconds(10));
        flushes.Release.SetResult();
        await Task.WhenAll(requests.Select(r => r.Done.Task)).WaitAsync(TimeSpan.FromSeconds(10));
        await queue.CompleteAsync();

        Assert.True(secondStartedWhileFirstHeld);
        Assert.Equal(2, flushes.MostAtOnce);
        Assert.Equal([1, 2, 3], flushes.Batches.SelectMany(b => b).Order());
    }

    [Fact]
    public async Task A_request_after_completion_is_refused_naming_the_owner()
    {
        var queue = new GroupCommitQueue<Request>("the-owner", 10, 10, _ => 1, batch => Task.CompletedTask);
        await queue.CompleteAsync();

        var refused = await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.EnqueueAsync(new Request(1), default));

        Assert.Equal("the-owner", refused.ObjectName);
    }
}
