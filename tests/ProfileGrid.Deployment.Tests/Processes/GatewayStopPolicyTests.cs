using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProfileGrid.Client.Extensions;

namespace ProfileGrid.Deployment.Tests.Processes;

/// <summary>
/// The gateway's stop policy (<see cref="GatewayHostExtensions.RunGateway"/>) in process, with a hosted service
/// standing in for a cluster client whose close outlives the shutdown budget (its silos stopping or gone): the
/// host's stop then fails with the cancelled close, and the gateway must still return normally (exit 0), warning.
/// A stop that fails for another reason still fails.
/// </summary>
public sealed class GatewayStopPolicyTests
{
    [Fact]
    public async Task A_client_close_cut_short_by_the_shutdown_budget_is_a_clean_stop_with_a_warning()
    {
        var logs = new CollectingLoggerProvider();
        var app = Gateway(logs, new ClosingService(fail: null));

        var run = Task.Run(app.RunGateway);
        await WaitStarted(app);
        app.Lifetime.StopApplication();

        await run.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Warning && m.Text.Contains("had not closed when the shutdown budget ran out"));
    }

    [Fact]
    public async Task A_stop_that_fails_for_another_reason_still_fails()
    {
        var app = Gateway(new CollectingLoggerProvider(), new ClosingService(fail: new InvalidOperationException("broken close")));

        var run = Task.Run(app.RunGateway);
        await WaitStarted(app);
        app.Lifetime.StopApplication();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("broken close", error.ToString());
    }

    private static WebApplication Gateway(CollectingLoggerProvider logs, ClosingService closing)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{LoopbackPorts.Next()}");
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromMilliseconds(300));
        builder.Services.AddSingleton<IHostedService>(closing);
        return builder.Build();
    }

    private static async Task WaitStarted(WebApplication app)
    {
        var started = new TaskCompletionSource();
        using var registration = app.Lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Closes only when its stop token fires (then throws the cancellation), or fails at once with <c>fail</c>.</summary>
    private sealed class ClosingService(Exception? fail) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (fail is not null) throw fail;
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    private sealed class CollectingLoggerProvider : ILoggerProvider
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(CollectingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (provider.Messages) provider.Messages.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
