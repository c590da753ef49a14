using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ProfileGrid.Client.Extensions;
using ProfileGrid.Hosting;
using ProfileGrid.Hosting.Client;
using ProfileGrid.Hosting.Health;
using ProfileGrid.Hosting.Shutdown;
using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Deployment.Tests.Operations;

/// <summary>The drain, readiness and connection-retry rules without processes, on a fake clock.</summary>
public sealed class OperationsTests
{
    [Fact]
    public async Task Readiness_turns_unready_as_soon_as_stopping_begins_and_the_host_keeps_serving_for_the_drain_delay()
    {
        var time = new FakeTimeProvider();
        var drain = new DrainState();
        var check = new DrainingHealthCheck(drain);
        var shutdown = new GracefulShutdown(drain, Options.Create(new ProfileGridOperationsSettings { DrainDelay = TimeSpan.FromSeconds(5) }), time, NullLogger<GracefulShutdown>.Instance);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        var stopping = shutdown.StoppingAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(stopping.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_drain_delay_ends_early_when_the_shutdown_budget_runs_out()
    {
        var time = new FakeTimeProvider();
        var shutdown = new GracefulShutdown(new DrainState(), Options.Create(new ProfileGridOperationsSettings { DrainDelay = TimeSpan.FromSeconds(5) }), time, NullLogger<GracefulShutdown>.Instance);
        using var budget = new CancellationTokenSource();

        var stopping = shutdown.StoppingAsync(budget.Token);
        budget.Cancel();

        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("ProfileGrid:ShutdownTimeoutSeconds", "soon", "ProfileGrid:ShutdownTimeoutSeconds")]
    [InlineData("ProfileGrid:DrainDelaySeconds", "-1", "ProfileGrid:DrainDelaySeconds")]
    [InlineData("ProfileGrid:DrainDelaySeconds", "45", "shorter than ProfileGrid:ShutdownTimeoutSeconds")]
    public void A_bad_shutdown_setting_stops_the_host_naming_the_key(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create(key, (string?)value)]).Build();

        var error = Assert.Throws<OptionsValidationException>(() => ProfileGridOperationsSettings.FromConfiguration(configuration));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shutdown_settings_default_to_a_30_second_budget_and_no_drain_delay()
    {
        var settings = ProfileGridOperationsSettings.FromConfiguration(new ConfigurationBuilder().Build());

        Assert.Equal(TimeSpan.FromSeconds(30), settings.ShutdownTimeout);
        Assert.Equal(TimeSpan.Zero, settings.DrainDelay);
    }

    [Fact]
    public async Task A_gateway_keeps_retrying_to_reach_the_cluster_with_growing_pauses_until_it_is_stopped()
    {
        var time = new FakeTimeProvider();
        var filter = new ClusterConnectionRetryFilter(new ProfileGridStorageSettings { GatewayPort = 30123 }, time, NullLogger<ClusterConnectionRetryFilter>.Instance);
        Assert.Contains("localhost:30123", filter.Target, StringComparison.Ordinal);

        var first = filter.ShouldRetryConnectionAttempt(new InvalidOperationException("no gateway"), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(10)));

        var second = filter.ShouldRetryConnectionAttempt(new InvalidOperationException("no gateway"), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));

        using var stopping = new CancellationTokenSource();
        var third = filter.ShouldRetryConnectionAttempt(new InvalidOperationException("no gateway"), stopping.Token);
        stopping.Cancel();
        Assert.False(await third.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_gateway_is_unready_while_it_has_no_connection_to_the_cluster()
    {
        var lifetime = new StartedLifetime();
        var state = new ClusterConnectionState(lifetime, NullLogger<ClusterConnectionState>.Instance);
        var check = new ClusterHealthCheck(new ServiceCollection().AddSingleton(state).BuildServiceProvider());

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        lifetime.Start();
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        state.NotifyClusterConnectionLost();
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        state.NotifyGatewayCountChanged(2, 0, connectionRecovered: true);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public void A_gateway_reports_each_closed_silo_connection_so_the_calls_sent_by_it_go_again()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--ProfileGrid:Storage=InMemory"] });
        builder.AddProfileGridGateway();
        using var app = builder.Build();
        var loss = app.Services.GetRequiredService<ConnectionLoss>();
        var handlers = app.Services.GetServices<Orleans.GatewayCountChangedHandler>().ToList();
        var watching = loss.Next;

        foreach (var handler in handlers) handler(null, new Orleans.GatewayCountChangedEventArgs(3, 2));
        Assert.Equal(0, loss.Losses);
        foreach (var handler in handlers) handler(null, new Orleans.GatewayCountChangedEventArgs(2, 3));

        Assert.Equal(1, loss.Losses);
        Assert.True(watching.IsCancellationRequested);
        Assert.False(loss.Next.IsCancellationRequested);
    }

    private sealed class StartedLifetime : Microsoft.Extensions.Hosting.IHostApplicationLifetime
    {
        private readonly CancellationTokenSource started = new();

        public CancellationToken ApplicationStarted => started.Token;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void Start() => started.Cancel();

        public void StopApplication()
        {
        }
    }
}
