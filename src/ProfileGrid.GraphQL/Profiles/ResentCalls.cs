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
    /// On a gateway, how long a read may go unanswered before it is sent again: a read that went by a live silo to
    /// one that then died is answered by no one (Orleans fails a silo's own calls to a silo declared dead, but not
    /// a client's calls relayed by a live gateway silo). A lookup takes milliseconds; one that activates a profile
    /// from storage, tens to hundreds. Writes are not sent again for silence: a large batch may take seconds.
    /// </summary>
    public static readonly TimeSpan GatewayReadSilence = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A read (a call that changes nothing): as <see cref="Send"/>, and on a gateway (a host with a
    /// <paramref name="loss"/> to watch) also sent again after <see cref="GatewayReadSilence"/> without an answer.
    /// </summary>
    public static Task<T> Read<TState, T>(Func<TState, Task<T>> call, TState state, ConnectionLoss? loss, CancellationToken cancellationToken) =>
        Send(call, state, loss, cancellationToken, loss is null ? null : GatewayReadSilence);

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
