using Orleans.Runtime;

namespace ProfileGrid.Durability.Tests.Crashes;

/// <summary>
/// Makes calls to a profile or identity grain method fail, as they would with the callee's silo down, for the calls
/// a test names: a merge or a move between profiles is then cut short at that step. Installed on every
/// <see cref="DurableCluster"/> silo; inert until a test arms it.
/// </summary>
public static class CallFaults
{
    /// <param name="Answer">Answered instead of running the call; null to fail it with an exception.</param>
    private sealed record Fault(string Method, Func<IIncomingGrainCallContext, bool> When, object? Answer = null);

    private static volatile Fault? _fault;
    private static int _remaining;
    private static int _refused;

    /// <summary>How many calls were refused since the last <see cref="Refuse"/>.</summary>
    public static int Refused => Volatile.Read(ref _refused);

    /// <summary>
    /// Calls of <see cref="IProfileGrain"/> or <see cref="IIdentityGrain"/>.<paramref name="method"/> matching <paramref name="when"/> fail, at most
    /// <paramref name="times"/> of them, until the returned scope ends.
    /// </summary>
    public static IDisposable Refuse(string method, Func<IIncomingGrainCallContext, bool> when, int times = int.MaxValue) =>
        Arm(new Fault(method, when), times);

    /// <summary>Calls of <see cref="IProfileGrain"/>.<paramref name="method"/> answer <paramref name="answer"/> without running.</summary>
    public static IDisposable Answer(string method, object answer, int times = int.MaxValue) =>
        Arm(new Fault(method, _ => true, answer), times);

    private static IDisposable Arm(Fault fault, int times)
    {
        Volatile.Write(ref _remaining, times);
        Volatile.Write(ref _refused, 0);
        _fault = fault;
        return new Scope();
    }

    /// <summary>The receiving of parts that hold <paramref name="identity"/>.</summary>
    public static Func<IIncomingGrainCallContext, bool> ReceivingPartWith(IdentityKey identity) =>
        call => call.Request.GetArgument(1) is ProfileFragment part && part.Graph.Contains(identity);

    /// <summary>Calls on the profile <paramref name="profileId"/>.</summary>
    public static Func<IIncomingGrainCallContext, bool> OnProfile(string profileId) =>
        call => call.TargetId.Key.ToString() == profileId;

    private sealed class Scope : IDisposable
    {
        public void Dispose() => _fault = null;
    }

    public sealed class Filter : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (_fault is { } fault && context.Grain is IProfileGrain or IIdentityGrain && context.InterfaceMethod?.Name == fault.Method
                && fault.When(context) && Interlocked.Decrement(ref _remaining) >= 0)
            {
                Interlocked.Increment(ref _refused);
                if (fault.Answer is { } answer)
                {
                    context.Result = answer;
                    return Task.CompletedTask;
                }
                throw new InvalidOperationException($"injected by the test: {fault.Method} refused, as if the silo were unreachable");
            }
            return context.Invoke();
        }
    }
}
