namespace ProfileGrid.Durability.Tests.Crashes;

/// <summary>
/// Holds a grain call on the calling side, before it is sent (so its target is not even activated yet), until the
/// test lets it go, and keeps what it answered: for staging a race between a request and something else the grid
/// does meanwhile. Installed on every <see cref="DurableCluster"/> silo; inert until a test holds a call.
/// </summary>
public static class HeldCalls
{
    private static volatile Hold? _hold;

    /// <summary>
    /// The first outgoing call of <paramref name="method"/> matching <paramref name="when"/> waits until
    /// <see cref="Hold.Release"/> (or the end of the scope).
    /// </summary>
    public static Hold HoldFirst(string method, Func<IOutgoingGrainCallContext, bool> when) => _hold = new Hold(method, when);

    public sealed class Hold(string method, Func<IOutgoingGrainCallContext, bool> when) : IDisposable
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<object?> _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _taken;

        /// <summary>Completes when the call is being held.</summary>
        public Task Reached => _reached.Task;

        /// <summary>What the held call answered once let go.</summary>
        public Task<object?> Answered => _answered.Task;

        public void Release() => _released.TrySetResult();

        public void Dispose()
        {
            Release();
            if (ReferenceEquals(_hold, this)) _hold = null;
        }

        internal bool Takes(IOutgoingGrainCallContext call) =>
            call.InterfaceMethod?.Name == method && when(call) && Interlocked.Exchange(ref _taken, 1) == 0;

        internal async Task Run(IOutgoingGrainCallContext call)
        {
            _reached.TrySetResult();
            await _released.Task;
            try
            {
                await call.Invoke();
                _answered.TrySetResult(call.Result);
            }
            catch (Exception e)
            {
                _answered.TrySetException(e);
                throw;
            }
        }
    }

    public sealed class Filter : IOutgoingGrainCallFilter
    {
        public Task Invoke(IOutgoingGrainCallContext context) =>
            _hold is { } hold && hold.Takes(context) ? hold.Run(context) : context.Invoke();
    }
}
