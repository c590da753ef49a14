using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;
using ProfileGrid.Hosting;

namespace ProfileGrid.Cluster.Tests.Ingestion;

/// <summary>
/// An event whose profile call fails because its silo died under it (as Orleans reports it) is stitched again
/// and acknowledged, not rejected; any other failure is still reported on the event at once. A silo filter
/// refuses the profile calls of chosen events as Orleans would.
/// </summary>
public sealed class PassingFailureTests(PassingFailureTests.Fixture fixture) : IClassFixture<PassingFailureTests.Fixture>
{
    private readonly IGrainFactory _grains = fixture.Cluster.Client;

    [Fact]
    public async Task An_event_whose_profile_silo_died_under_it_is_stitched_again_and_acknowledged()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var e = Grid.Event("web.login", ("crmId", $"crm-{run}"), ("ecid", $"dev-{run}"));
        Refusing.Refuse(e.Id!, times: 3, () => new SiloUnavailableException("the silo was declared dead"));

        var result = await _grains.Ingest(e);

        Assert.Empty(result.Rejected);
        Assert.Equal(1, result.Accepted);
        Assert.Equal(3, Refusing.Refused(e.Id!));
        var person = (await _grains.Lookup("crmId", $"crm-{run}"))!;
        Assert.Equal([e.Id], person.Events.Select(x => x.Id));
    }

    [Fact]
    public async Task An_event_failing_for_any_other_reason_is_reported_at_once()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var e = Grid.Event("web.login", ("crmId", $"crm-{run}"));
        Refusing.Refuse(e.Id!, times: 1, () => new InvalidOperationException("a bug"));

        var result = await _grains.Ingest(e);

        Assert.Equal(0, result.Accepted);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal("internal error: a bug", rejected.Reason);
        Assert.Equal(1, Refusing.Refused(e.Id!));
    }

    [Theory]
    [InlineData(false, 0, 3)]
    [InlineData(true, 1, 1)]
    public async Task A_stopping_silo_reports_such_an_event_at_once_instead_of_stitching_it_again(bool stopping, int rejected, int refused)
    {
        // The applier as a silo has it, sending from the test's client (where the filter refuses too).
        using var stop = new CancellationTokenSource();
        if (stopping) stop.Cancel();
        var applier = new EventApplier(
            new StitchCoordinator(_grains, new StitchPlanner(IdentityRules.Default), new OwnerCache(), NullLogger<StitchCoordinator>.Instance),
            new Lifetime(stop.Token), NullLogger<EventApplier>.Instance);
        var run = Guid.NewGuid().ToString("N")[..8];
        var raw = Grid.Event("web.login", ("crmId", $"crm-{run}"));
        Assert.True(new EventValidator(new IngestionOptions(), IdentityRules.Default, TimeProvider.System).TryValidate(raw, out var e, out var reason), reason);
        Refusing.Refuse(e.Id, times: 3, () => new SiloUnavailableException("the silo was declared dead"));

        var report = await applier.Apply([new EventToApply(0, e)]);

        Assert.Equal(rejected, report.Failed.Count);
        Assert.Equal(1 - rejected, report.Applied.Count);
        Assert.Equal(refused, Refusing.Refused(e.Id));
    }

    private sealed class Lifetime(CancellationToken stopping) : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => stopping;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => throw new NotSupportedException();
    }

    /// <summary>Fails a chosen event's profile calls (<see cref="IProfileGrain.Apply"/>) a chosen number of times.</summary>
    public sealed class Refusing : IOutgoingGrainCallFilter
    {
        private static readonly ConcurrentDictionary<string, (int Left, int Done, Func<Exception> Failure)> Plans = new();

        public static void Refuse(string eventId, int times, Func<Exception> failure) => Plans[eventId] = (times, 0, failure);

        public static int Refused(string eventId) => Plans.TryGetValue(eventId, out var plan) ? plan.Done : 0;

        public Task Invoke(IOutgoingGrainCallContext context)
        {
            if (context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is ApplyEventCommand command
                && Plans.TryGetValue(command.Event.Id, out var plan) && plan.Left > 0)
            {
                Plans[command.Event.Id] = (plan.Left - 1, plan.Done + 1, plan.Failure);
                throw plan.Failure();
            }
            return context.Invoke();
        }
    }

    /// <summary>One silo running the real grains, with <see cref="Refusing"/> on its outgoing calls and the client's.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public TestCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var builder = new TestClusterBuilder(1);
            builder.AddSiloBuilderConfigurator<SiloConfigurator>();
            builder.AddClientBuilderConfigurator<ClientConfigurator>();
            Cluster = builder.Build();
            await Cluster.DeployAsync();
        }

        public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

        private sealed class SiloConfigurator : ISiloConfigurator
        {
            public void Configure(ISiloBuilder silo) => silo.AddProfileGrid(silo.Configuration).AddOutgoingGrainCallFilter<Refusing>();
        }

        private sealed class ClientConfigurator : IClientBuilderConfigurator
        {
            public void Configure(IConfiguration configuration, IClientBuilder client) => client.AddOutgoingGrainCallFilter<Refusing>();
        }
    }
}
