using Orleans.Runtime;

namespace ProfileGrid.Durability.Tests.Crashes;

/// <summary>
/// Makes <see cref="IProfileGrain.Receive"/> fail, as a receiving silo that is down would, for the parts a
/// test names: a part moving off a profile is then recorded but not delivered. Installed on every
/// <see cref="DurableCluster"/> silo; inert until a test arms it.
/// </summary>
public static class HandoverFaults
{
    private static volatile Func<ProfileFragment, bool>? _refuse;
    private static int _remaining;
    private static int _refused;

    /// <summary>How many receives were refused since the last <see cref="Refuse"/>.</summary>
    public static int Refused => Volatile.Read(ref _refused);

    /// <summary>
    /// Receives of fragments matching <paramref name="refuse"/> fail, at most <paramref name="times"/> of them,
    /// until the returned scope ends.
    /// </summary>
    public static IDisposable Refuse(Func<ProfileFragment, bool> refuse, int times = int.MaxValue)
    {
        Volatile.Write(ref _remaining, times);
        Volatile.Write(ref _refused, 0);
        _refuse = refuse;
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        public void Dispose() => _refuse = null;
    }

    public sealed class Filter : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (_refuse is { } refuse && context.Grain is IProfileGrain && context.InterfaceMethod?.Name == nameof(IProfileGrain.Receive)
                && context.Request.GetArgument(1) is ProfileFragment fragment && refuse(fragment)
                && Interlocked.Decrement(ref _remaining) >= 0)
            {
                Interlocked.Increment(ref _refused);
                throw new InvalidOperationException("injected by the test: the receiving profile's silo is unreachable");
            }
            return context.Invoke();
        }
    }
}
