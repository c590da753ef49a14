using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ProfileGrid.GraphQL.Segments;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>The hub's fan-out on its own: filters, per-subscriber order, and a slow subscriber that must not hold up the rest.</summary>
public sealed class SegmentChangeHubTests
{
    [Fact]
    public async Task Slow_subscriber_is_ended_with_SUBSCRIBER_TOO_SLOW_while_the_others_get_every_change()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var hub = NewHub(services, bufferSize: 2);
        using var release = new ManualResetEventSlim();
        var slow = new RecordingObserver(block: release);
        var fast = new RecordingObserver();
        using var slowSubscription = hub.Changes(null).Subscribe(slow);
        using var fastSubscription = hub.Changes(null).Subscribe(fast);

        // Paced by the fast subscriber: it keeps up, the blocked one falls more than 2 behind.
        for (var sequence = 1; sequence <= 50; sequence++)
        {
            hub.Deliver(Changes.Entered("seg", "p", sequence));
            await fast.WaitForCount(sequence);
        }

        var fastSequences = fast.Sequences;
        release.Set();
        var error = await slow.Failed.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), fastSequences);
        Assert.Equal(SegmentChangeHub.SubscriberTooSlowCode, Assert.IsType<global::GraphQL.ExecutionError>(error).Code);
        Assert.Equal(1, hub.SubscriberCount);
    }

    [Fact]
    public async Task Segment_filter_passes_only_its_segment_and_disposing_stops_delivery()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var hub = NewHub(services, bufferSize: 100);
        var filtered = new RecordingObserver();
        var subscription = hub.Changes("wanted").Subscribe(filtered);

        hub.Deliver(Changes.Entered("other", "p", 1));
        hub.Deliver(Changes.Entered("wanted", "p", 2));
        var received = await filtered.WaitForCount(1);
        subscription.Dispose();
        hub.Deliver(Changes.Exited("wanted", "p", 3));

        Assert.Equal([2L], received);
        Assert.Equal(0, hub.SubscriberCount);
        Assert.Equal([2L], filtered.Sequences);
    }

    private static SegmentChangeHub NewHub(ServiceProvider services, int bufferSize) => new(
        services,
        Options.Create(new SegmentChangeHubOptions { SubscriberBufferSize = bufferSize }),
        new SegmentChangeMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
        TimeProvider.System,
        NullLogger<SegmentChangeHub>.Instance);

    private sealed class RecordingObserver(ManualResetEventSlim? block = null) : IObserver<SegmentMembershipChange>
    {
        private readonly Lock _gate = new();
        private readonly List<long> _sequences = [];
        private readonly TaskCompletionSource<Exception> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Exception> Failed => _failed.Task;

        public List<long> Sequences
        {
            get
            {
                lock (_gate) return [.. _sequences];
            }
        }

        public void OnNext(SegmentMembershipChange value)
        {
            block?.Wait(TimeSpan.FromSeconds(10));
            lock (_gate)
            {
                _sequences.Add(value.Sequence);
                var changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed.TrySetResult();
            }
        }

        public void OnError(Exception error) => _failed.TrySetResult(error);

        public void OnCompleted()
        {
        }

        public async Task<List<long>> WaitForCount(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_sequences.Count >= count) return [.. _sequences];
                    changed = _changed.Task;
                }

                await changed.WaitAsync(timeout.Token);
            }
        }
    }
}
