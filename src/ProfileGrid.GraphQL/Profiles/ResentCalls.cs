using System.Runtime.ExceptionServices;
using ProfileGrid.Hosting;

namespace ProfileGrid.GraphQL.Profiles;

/// <summary>
/// Sends an idempotent grain call again when the way it went was lost, so that a silo's death costs a caller a
/// pause rather than an error: after a short pause when the call failed for a reason that passes once the cluster
/// has moved on (<see cref="PassingFailure"/>: its silo unreachable or declared dead, its message rejected on the
/// way); at once when this host reports a lost connection (<see cref="ConnectionLoss"/>) while the call had no
/// answer; and, if asked, when it has had no answer for a while. A call given up on is left to end unobserved.
/// Any other failure is the caller's at once. The caller's token bounds it all; when it ends during a pause, the
/// caller gets the last failure. A caller without a bound (a token that cannot be cancelled) gets one send, as
/// from Orleans.
/// </summary>
public static class ResentCalls
{
    /// <summary>
    /// Calls <paramref name="call"/> with <paramref name="state"/> until it answers, sending it again as above, and
    /// also when it has not answered for <paramref name="silentFor"/> (for reads from a gateway: a call that went by a
    /// live silo to one that then died is answered by no one, and no connection of the gateway's was lost).
    /// </summary>
    public static async Task<T> Send<TState, T>(
        Func<TState, Task<T>> call, TState state, ConnectionLoss? loss, CancellationToken cancellationToken, TimeSpan? silentFor = null)
    {
        if (!cancellationToken.CanBeCanceled) return await call(state);
        for (var failures = 0; ; )
        {
            var lost = loss?.Next ?? CancellationToken.None;
            Exception failure;
            try
            {
                if (!lost.CanBeCanceled && silentFor is null) return await call(state).WaitAsync(cancellationToken);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost);
                var sent = call(state);
                try
                {
                    return silentFor is { } patience ? await sent.WaitAsync(patience, either.Token) : await sent.WaitAsync(either.Token);
                }
                catch (TimeoutException) when (!sent.IsCompleted)
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                continue;
            }
            catch (Exception e) when (PassingFailure.Is(e))
            {
                failure = e;
            }

            try
            {
                await Task.Delay(PassingFailure.Pause(failures++), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }
    }
}
