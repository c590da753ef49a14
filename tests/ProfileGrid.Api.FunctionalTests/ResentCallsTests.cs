using System.Diagnostics;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.Hosting;

namespace ProfileGrid.Api.FunctionalTests;

/// <summary>
/// An idempotent grain call is sent again when its silo died under it or the connection it went by was lost, and
/// only then; the caller's token bounds it.
/// </summary>
public sealed class ResentCallsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static TheoryData<Exception> Passing => new()
    {
        new SiloUnavailableException("silo declared dead"),
        new ConnectionFailedException("connection refused"),
    };

    [Theory]
    [MemberData(nameof(Passing))]
    public async Task A_call_failing_for_a_passing_reason_is_sent_again_until_it_answers(Exception failure)
    {
        var calls = new Calls((n, _) => n < 3 ? Task.FromException<string>(failure) : Task.FromResult("view"));
        using var patience = new CancellationTokenSource(Patience);

        var answer = await ResentCalls.Send(Calls.Run, calls, loss: null, patience.Token);

        Assert.Equal("view", answer);
        Assert.Equal(3, calls.Count);
    }

    [Fact]
    public async Task A_caller_without_a_bound_gets_one_send()
    {
        var calls = new Calls((n, _) => n < 2 ? Task.FromException<string>(new SiloUnavailableException("silo declared dead")) : Task.FromResult("view"));

        await Assert.ThrowsAsync<SiloUnavailableException>(() => ResentCalls.Send(Calls.Run, calls, new ConnectionLoss(), CancellationToken.None));

        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public async Task Any_other_failure_is_the_callers_at_once()
    {
        var calls = new Calls((_, _) => Task.FromException<string>(new InvalidOperationException("a bug")));
        using var patience = new CancellationTokenSource(Patience);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => ResentCalls.Send(Calls.Run, calls, loss: null, patience.Token));

        Assert.Equal("a bug", thrown.Message);
        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public async Task A_call_without_an_answer_is_sent_again_when_the_connection_is_lost()
    {
        var loss = new ConnectionLoss();
        var never = new TaskCompletionSource<string>();
        var calls = new Calls((n, _) => n == 1 ? never.Task : Task.FromResult("view"));
        using var patience = new CancellationTokenSource(Patience);

        var sending = ResentCalls.Send(Calls.Run, calls, loss, patience.Token);
        await calls.Reached(1);
        Assert.False(sending.IsCompleted);
        loss.Lost();

        Assert.Equal("view", await sending);
        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public async Task A_call_silent_for_the_given_time_is_sent_again()
    {
        var never = new TaskCompletionSource<string>();
        var calls = new Calls((n, _) => n == 1 ? never.Task : Task.FromResult("view"));
        using var patience = new CancellationTokenSource(Patience);
        var watch = Stopwatch.StartNew();

        var answer = await ResentCalls.Send(Calls.Run, calls, loss: null, patience.Token, silentFor: TimeSpan.FromMilliseconds(200));

        Assert.Equal("view", answer);
        Assert.Equal(2, calls.Count);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(180), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_read_on_a_gateway_is_sent_again_after_its_silence_and_elsewhere_is_not()
    {
        var never = new TaskCompletionSource<string>();
        var onGateway = new Calls((n, _) => n == 1 ? never.Task : Task.FromResult("view"));
        var onSilo = new Calls((n, _) => n == 1 ? never.Task : Task.FromResult("view"));
        using var patience = new CancellationTokenSource(Patience);
        var watch = Stopwatch.StartNew();

        Assert.Equal("view", await ResentCalls.Read(Calls.Run, onGateway, new ConnectionLoss(), patience.Token));
        Assert.InRange(watch.Elapsed, ResentCalls.GatewayReadSilence * 0.9, Patience);
        Assert.Equal(2, onGateway.Count);

        using var shortPatience = new CancellationTokenSource(ResentCalls.GatewayReadSilence * 1.5);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ResentCalls.Read(Calls.Run, onSilo, loss: null, shortPatience.Token));
        Assert.Equal(1, onSilo.Count);
    }

    [Fact]
    public async Task Without_a_loss_a_call_without_an_answer_ends_with_the_callers_token()
    {
        var loss = new ConnectionLoss();
        var calls = new Calls((_, _) => new TaskCompletionSource<string>().Task);
        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ResentCalls.Send(Calls.Run, calls, loss, patience.Token));

        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public async Task When_the_callers_token_ends_during_a_pause_the_caller_gets_the_last_failure()
    {
        var calls = new Calls((n, _) => Task.FromException<string>(new SiloUnavailableException($"attempt {n}")));
        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(600));

        var thrown = await Assert.ThrowsAsync<SiloUnavailableException>(() => ResentCalls.Send(Calls.Run, calls, loss: null, patience.Token));

        Assert.True(calls.Count >= 3, $"sent {calls.Count} times in 600 ms");
        Assert.Contains($"attempt {calls.Count}", thrown.Message);
    }

    [Fact]
    public async Task Pauses_between_sends_grow_from_the_first_to_the_longest()
    {
        var calls = new Calls((n, _) => n < 6 ? Task.FromException<string>(new SiloUnavailableException("dead")) : Task.FromResult("view"));
        using var patience = new CancellationTokenSource(Patience);
        var watch = Stopwatch.StartNew();

        await ResentCalls.Send(Calls.Run, calls, loss: null, patience.Token);

        // 50 + 100 + 200 + 400 + 500 ms of pauses before the sixth send.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(1_200), TimeSpan.FromSeconds(5));
        Assert.Equal(6, calls.Count);
    }

    /// <summary>A grain call stand-in: the n-th send (from 1) answers what <c>answer(n, state)</c> gives.</summary>
    private sealed class Calls(Func<int, Calls, Task<string>> answer)
    {
        private readonly Func<int, Calls, Task<string>> _answer = answer;
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public static Task<string> Run(Calls calls) => calls._answer(Interlocked.Increment(ref calls._count), calls);

        public async Task Reached(int count)
        {
            using var patience = new CancellationTokenSource(Patience);
            while (Count < count) await Task.Delay(10, patience.Token);
        }
    }
}
