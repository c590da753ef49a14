using System.Diagnostics;
using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.Storage;
using ProfileGrid.Storage.Postgres.EventLog;
using ProfileGrid.Storage.Postgres.Membership;
using ProfileGrid.Storage.Postgres.Schema;

namespace ProfileGrid.Durability.Tests.Storage;

/// <summary>
/// The window in which an activating profile looks for events lost with a silo: open from the silo's start and
/// from each death it sees, closed once nothing stored before that moment awaits confirmation.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class LostEventWindowTests(PostgresServerFixture postgres)
{
    private static readonly DateTimeOffset Monday = new(2025, 3, 3, 9, 30, 0, TimeSpan.Zero);

    [PostgresFact]
    public async Task It_opens_at_start_and_closes_only_when_every_event_stored_before_its_horizon_is_confirmed()
    {
        var (log, clock) = await LogAsync("lost_window");
        await using var _ = log;
        await log.AppendAsync([Event("held-1"), Event("held-2")]);
        clock.Now = Monday.AddMinutes(1);

        var window = new LostEventWindow(log, clock);
        var openAtStart = window.Horizon;
        var closedWithTwoLeft = await window.TryCloseAsync();
        await log.MarkAppliedAsync(["held-1"]);
        var closedWithOneLeft = await window.TryCloseAsync();
        await log.MarkAppliedAsync(["held-2"]);
        var closedWithNoneLeft = await window.TryCloseAsync();
        var horizonWhenClosed = window.Horizon;

        Assert.Equal(Monday.AddMinutes(1), openAtStart);
        Assert.Equal((false, false, true), (closedWithTwoLeft, closedWithOneLeft, closedWithNoneLeft));
        Assert.Null(horizonWhenClosed);
    }

    [PostgresFact]
    public async Task A_death_opens_it_again_and_events_stored_after_the_death_do_not_keep_it_open()
    {
        var (log, clock) = await LogAsync("lost_window_death");
        await using var _ = log;
        var window = new LostEventWindow(log, clock);
        Assert.True(await window.TryCloseAsync());

        clock.Now = Monday.AddMinutes(1);
        await log.AppendAsync([Event("before-death")]);
        clock.Now = Monday.AddMinutes(2);
        window.Open();
        window.Open(Monday.AddSeconds(90));
        var horizon = window.Horizon;
        clock.Now = Monday.AddMinutes(3);
        await log.AppendAsync([Event("after-death")]);
        var closedWhileTheDeadSilosEventWaits = await window.TryCloseAsync();
        await log.MarkAppliedAsync(["before-death"]);
        var closedOnceItIsConfirmed = await window.TryCloseAsync();

        Assert.Equal(Monday.AddMinutes(2), horizon);
        Assert.False(closedWhileTheDeadSilosEventWaits);
        Assert.True(closedOnceItIsConfirmed);
        Assert.Null(window.Horizon);
    }

    [PostgresFact]
    public async Task An_event_that_stays_unconfirmed_keeps_it_open_no_longer_than_its_limit()
    {
        var (log, clock) = await LogAsync("lost_window_limit");
        await using var _ = log;
        await log.AppendAsync([Event("never-applies")]);
        clock.Now = Monday.AddMinutes(1);
        var window = new LostEventWindow(log, clock);

        clock.Now = Monday.AddMinutes(1) + LostEventWindow.LongestOpen - TimeSpan.FromSeconds(1);
        var closedJustBefore = await window.TryCloseAsync();
        clock.Now = Monday.AddMinutes(1) + LostEventWindow.LongestOpen;
        var closedAtTheLimit = await window.TryCloseAsync();

        Assert.Equal((false, true), (closedJustBefore, closedAtTheLimit));
        Assert.Null(window.Horizon);
        Assert.True(await log.AnyUnappliedAsync(Monday.AddMinutes(1)));
    }

    [PostgresFact]
    public async Task A_silo_declared_dead_in_this_silos_membership_view_opens_it_at_once()
    {
        var (log, clock) = await LogAsync("lost_window_membership");
        await using var _ = log;
        var (self, other, deadBefore) = (Silo(1), Silo(2), Silo(3));
        var membership = new Membership(self, other, deadBefore);
        membership.Set(deadBefore, SiloStatus.Dead);
        var window = new LostEventWindow(log, clock, membership);
        Assert.True(await window.TryCloseAsync());

        clock.Now = Monday.AddMinutes(1);
        membership.Set(other, SiloStatus.ShuttingDown);
        var afterLeaving = window.Horizon;
        clock.Now = Monday.AddMinutes(2);
        membership.Set(other, SiloStatus.Dead);
        var afterDeath = window.Horizon;
        clock.Now = Monday.AddMinutes(3);
        var later = window.Horizon;

        Assert.Null(afterLeaving);
        Assert.Equal(Monday.AddMinutes(2), afterDeath);
        Assert.Equal(Monday.AddMinutes(2), later);
    }

    /// <summary>
    /// The race of a kill test in CI: another silo saw the death and let a profile activate on this silo, whose own
    /// view has not caught up yet. The activation brings the view up to the membership table's version first, so it
    /// finds the window opened by the death.
    /// </summary>
    [PostgresFact]
    public async Task An_activation_on_a_silo_whose_view_lags_the_membership_table_sees_the_death_the_table_holds()
    {
        var (log, clock, connectionString) = await LogWithDatabaseAsync("lost_window_lagging");
        await using var _ = log;
        await using var table = PostgresMembershipVersion.Create(connectionString, "lagging");
        var (self, other) = (Silo(1), Silo(2));
        var membership = new Membership(self, other);
        var window = new LostEventWindow(log, clock, membership, table);
        Assert.True(await window.TryCloseAsync());
        await Sql.ExecuteAsync(connectionString, "INSERT INTO OrleansMembershipVersionTable (DeploymentId, Version) VALUES ('lagging', 1)");

        clock.Now = Monday.AddMinutes(1);
        var whileTheTableHoldsNothingNewer = await window.HorizonForActivationAsync();
        var refreshesThen = membership.Refreshes;
        // Another silo declared `other` dead: the table holds it (version 2), this silo's view does not yet.
        membership.OnRefresh(other, SiloStatus.Dead);
        await Sql.ExecuteAsync(connectionString, "UPDATE OrleansMembershipVersionTable SET Version = 2 WHERE DeploymentId = 'lagging'");
        var asLaggingViewAlone = window.Horizon;
        clock.Now = Monday.AddMinutes(2);
        var forActivation = await window.HorizonForActivationAsync();

        Assert.Null(whileTheTableHoldsNothingNewer);
        Assert.Equal(0, refreshesThen);
        Assert.Null(asLaggingViewAlone);
        Assert.Equal(Monday.AddMinutes(2), forActivation);
        Assert.Equal(1, membership.Refreshes);
        Assert.Equal(2, membership.CurrentSnapshot.Version.Value);
    }

    /// <summary>The silo's window is given the membership table's version: a death written there a moment ago is seen by the next activation.</summary>
    [PostgresFact]
    public async Task A_silo_brings_its_view_up_to_a_death_in_the_membership_table_before_a_profile_activates()
    {
        var run = $"tablever{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("lost_window_table");
        var (grid, window) = await StartWithWindowClosedAsync(connectionString, run, People.Event(run, 0, 1, new Random(5)), silos: 2);
        await using var _ = grid;

        // Another silo of the cluster declared dead, written as Orleans writes a membership change: row and version together.
        await Sql.ExecuteAsync(connectionString, """
            UPDATE OrleansMembershipVersionTable SET Version = Version + 1 WHERE DeploymentId = @cluster;
            INSERT INTO OrleansMembershipTable (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, StartTime, IAmAliveTime)
            VALUES (@cluster, '127.0.0.1', 1, 1, 'gone', 'gone', 6, now(), now());
            """, ("cluster", run));
        var asking = Stopwatch.StartNew();
        var horizon = await window.HorizonForActivationAsync();
        asking.Stop();

        Assert.NotNull(horizon);
        // Caught up by the refresh, not given up on after the timeout (which also answers with a horizon).
        Assert.True(asking.Elapsed < LostEventWindow.CatchUpTimeout, $"the view took {asking.Elapsed} to catch up");
        Assert.Contains(grid.SiloServices.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values,
            m => m.SiloAddress.Endpoint.Port == 1 && m.Status == SiloStatus.Dead);
    }

    [PostgresFact]
    public async Task A_silo_alone_in_its_view_does_not_read_the_membership_table()
    {
        var (log, clock, _) = await LogWithDatabaseAsync("lost_window_alone");
        await using var __ = log;
        // Were it read, this table would fail and the activation would read the log as if a silo had just died.
        await using var table = PostgresMembershipVersion.Create("Host=127.0.0.1;Port=1;Database=none;Timeout=2", "nowhere");
        var (self, deadBefore) = (Silo(1), Silo(2));
        var membership = new Membership(self, deadBefore);
        membership.Set(deadBefore, SiloStatus.Dead);
        var window = new LostEventWindow(log, clock, membership, table);
        Assert.True(await window.TryCloseAsync());

        clock.Now = Monday.AddMinutes(5);
        var forActivation = await window.HorizonForActivationAsync();

        Assert.Null(forActivation);
        Assert.Equal(0, membership.Refreshes);
    }

    [PostgresFact]
    public async Task An_activation_that_cannot_read_the_membership_table_reads_the_log_as_if_a_silo_had_just_died()
    {
        var (log, clock, _) = await LogWithDatabaseAsync("lost_window_no_table");
        await using var __ = log;
        // A database without a server behind it: every read of the table fails.
        await using var table = PostgresMembershipVersion.Create("Host=127.0.0.1;Port=1;Database=none;Timeout=2", "nowhere");
        var window = new LostEventWindow(log, clock, new Membership(Silo(1), Silo(2)), table);
        Assert.True(await window.TryCloseAsync());

        clock.Now = Monday.AddMinutes(5);
        var forActivation = await window.HorizonForActivationAsync();

        Assert.Equal(Monday.AddMinutes(5), forActivation);
        Assert.Null(window.Horizon);
    }

    [PostgresFact]
    public async Task A_profile_activating_while_it_is_open_takes_back_its_unconfirmed_events_and_writes_and_confirms_them()
    {
        var (run, connectionString, first, grid, window, crm) = await OnePersonAsync("takeback", "lost_take_back", seed: 7);
        await using var _ = grid;
        var management = grid.Grains.GetGrain<IManagementGrain>(0);
        // What a silo that died holding an event unwritten leaves: stored a minute ago, unconfirmed, not on the stored profile.
        var lost = Event($"{run}-lost") with { Identities = [crm] };
        await using (var log = PostgresEventLog.Create(connectionString, new PostgresEventLogOptions { TimeProvider = new Clock(DateTimeOffset.UtcNow.AddMinutes(-1)) }))
            await log.AppendAsync([lost]);

        await management.ForceActivationCollection(TimeSpan.Zero);
        var whileClosed = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!;
        window.Open();
        await management.ForceActivationCollection(TimeSpan.Zero);
        var whileOpen = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!;
        await Waiting.UntilAsync(async () => await Unconfirmed(connectionString) == 0, TimeSpan.FromSeconds(10), "the event taken back confirmed");
        await Waiting.UntilAsync(() => Task.FromResult(window.Horizon is null), TimeSpan.FromSeconds(10), "the window closed again");
        await management.ForceActivationCollection(TimeSpan.Zero);
        var fromStorage = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!;

        Assert.Equal([first.Id], whileClosed.Events.Select(e => e.Id));
        Assert.Equal([first.Id, lost.EventId], whileOpen.Events.Select(e => e.Id).Order());
        Assert.Equal([first.Id, lost.EventId], fromStorage.Events.Select(e => e.Id).Order());
        Assert.Equal(whileOpen.Id, fromStorage.Id);
    }

    /// <summary>
    /// The race of a kill test in CI, seen in the silos' logs: a silo's death makes Orleans deactivate the live silos'
    /// activations whose directory entries the dead silo held; such an activation writes its held events and confirms
    /// them, and a new activation of the same profile, elsewhere, may have read the stored state just before that
    /// write. Its take-back then finds nothing unconfirmed. It also takes the events of its identities stored within
    /// its write delay (and a margin), confirmed or not; older ones it leaves.
    /// </summary>
    [PostgresFact]
    public async Task A_profile_activating_while_it_is_open_takes_back_recent_events_another_activation_confirmed_without_its_state()
    {
        var (run, connectionString, first, grid, window, crm) = await OnePersonAsync("twin", "lost_take_back_recent", seed: 13);
        await using var _ = grid;
        // What the deactivated twin leaves, as this activation sees it: stored and confirmed, not on the state it read.
        var recent = Event($"{run}-recent") with { Identities = [crm] };
        var old = Event($"{run}-old") with { Identities = [crm] };
        await using (var log = PostgresEventLog.Create(connectionString, new PostgresEventLogOptions { TimeProvider = new Clock(DateTimeOffset.UtcNow.AddMinutes(-1)) }))
            await log.AppendAsync([old]);
        await using (var log = PostgresEventLog.Create(connectionString))
        {
            await log.AppendAsync([recent]);
            await log.MarkAppliedAsync([old.EventId, recent.EventId]);
        }

        window.Open();
        await grid.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var woken = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!;

        Assert.Equal(new[] { first.Id, recent.EventId }.Order(), woken.Events.Select(e => e.Id).Order());
    }

    /// <summary>
    /// The race the take-back leaves: a request has stored its event and is about to apply it when the window opens
    /// (another silo died), and the profile, woken by that very request, takes the event back as a lost one first.
    /// The request then finds its event on the profile already; it stored it, so its sender is told accepted, not
    /// duplicate, and the event is on the profile once.
    /// </summary>
    [PostgresFact]
    public async Task An_event_its_profile_takes_back_while_its_own_request_applies_it_is_reported_accepted_once()
    {
        var run = $"race{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("lost_take_back_race");
        var random = new Random(11);
        var first = People.Event(run, 0, 1, random);
        var (grid, window) = await StartWithWindowClosedAsync(connectionString, run, first);
        await using var _ = grid;
        await grid.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var racing = People.Event(run, 0, 3, random);
        using var held = Crashes.HeldCalls.HoldFirst(nameof(IProfileGrain.Apply),
            call => call.Request.GetArgument(0) is ApplyEventCommand command && command.Event.Id == racing.Id);
        var ingesting = grid.Grains.IngestAll([racing]);
        await held.Reached.WaitAsync(TimeSpan.FromSeconds(10));
        // Stored and unconfirmed, its profile asleep: what a death now would leave to take back.
        Assert.Equal(1, await Unconfirmed(connectionString));
        window.Open();
        held.Release();
        var result = await ingesting.WaitAsync(TimeSpan.FromSeconds(20));
        var answer = await held.Answered;

        // The race happened: the profile held the event before its request's call ran.
        Assert.True(answer is ProfileOutcome { Kind: OutcomeKind.Done, AlreadyApplied: true }, $"the request's call answered {answer}");
        Assert.Equal((1, 0), (result.Accepted, result.Duplicates));
        await Waiting.UntilAsync(async () => await Unconfirmed(connectionString) == 0, TimeSpan.FromSeconds(10), "the event confirmed");
        await grid.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var stored = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!;
        Assert.Equal(new[] { first.Id, racing.Id }.Order(), stored.Events.Select(e => e.Id).Order());
    }

    /// <summary>One person, their first event ingested, on one silo whose window is closed; with their CRM id as the log stores it.</summary>
    private async Task<(string Run, string ConnectionString, RawEvent First, DurableCluster Grid, LostEventWindow Window, EventIdentity Crm)> OnePersonAsync(
        string prefix, string database, int seed)
    {
        var run = $"{prefix}{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync(database);
        var first = People.Event(run, 0, 2, new Random(seed));
        var (grid, window) = await StartWithWindowClosedAsync(connectionString, run, first);
        var crm = IdentityRules.Default.Normalize("crmId", People.Crm(run, 0));
        return (run, connectionString, first, grid, window, new EventIdentity(crm.Namespace, crm.Value));
    }

    /// <summary>
    /// Silos (one unless asked) that write a profile after every event and runs no recovery pass (so only activating profiles take
    /// events back), holding <paramref name="first"/>, with its lost-event window closed after the start.
    /// </summary>
    private static async Task<(DurableCluster Grid, LostEventWindow Window)> StartWithWindowClosedAsync(string connectionString, string run, RawEvent first, short silos = 1)
    {
        var settings = new Dictionary<string, string>
        {
            ["ProfileGrid:Profiles:StateWriteDelay"] = "00:00:00",
            [DurableCluster.WithoutRecoveryPass] = "true",
        };
        var grid = await DurableCluster.StartAsync(connectionString, run, silos, settings);
        try
        {
            await grid.Grains.IngestAll([first]);
            var window = grid.SiloServices.GetRequiredService<LostEventWindow>();
            await Waiting.UntilAsync(() => window.TryCloseAsync(), TimeSpan.FromSeconds(10), "the window closed after start");
            return (grid, window);
        }
        catch
        {
            await grid.DisposeAsync();
            throw;
        }
    }

    private static async Task<long> Unconfirmed(string connectionString) =>
        await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_unapplied_events");

    /// <summary>An event log on a new, migrated database, whose "now" is a clock the test moves (Monday to begin with).</summary>
    private async Task<(PostgresEventLog Log, Clock Clock)> LogAsync(string database)
    {
        var (log, clock, _) = await LogWithDatabaseAsync(database);
        return (log, clock);
    }

    private async Task<(PostgresEventLog Log, Clock Clock, string ConnectionString)> LogWithDatabaseAsync(string database)
    {
        var connectionString = await postgres.CreateDatabaseAsync(database);
        await new PostgresSchemaMigrator(connectionString).MigrateAsync();
        var clock = new Clock(Monday);
        return (PostgresEventLog.Create(connectionString, new PostgresEventLogOptions { TimeProvider = clock }), clock, connectionString);
    }

    private static LogEvent Event(string id) => new()
    {
        EventId = id,
        Type = "web.pageView",
        Timestamp = Monday,
        Identities = [new EventIdentity("email", $"{id}@example.com")],
    };

    private static SiloAddress Silo(int n) => SiloAddress.New(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 11110 + n), n);

    /// <summary>A membership view a test changes by hand, at once or when it is next refreshed.</summary>
    private sealed class Membership(params SiloAddress[] silos) : IClusterMembershipService
    {
        private (SiloAddress Silo, SiloStatus Status)? _onRefresh;

        private ClusterMembershipSnapshot _snapshot = new(
            silos.ToImmutableDictionary(silo => silo, silo => new ClusterMember(silo, SiloStatus.Active, silo.ToString())),
            new MembershipVersion(1));

        public ClusterMembershipSnapshot CurrentSnapshot => _snapshot;

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();

        public void Set(SiloAddress silo, SiloStatus status) => _snapshot = new(
            _snapshot.Members.SetItem(silo, new ClusterMember(silo, status, silo.ToString())),
            new MembershipVersion(_snapshot.Version.Value + 1));

        public int Refreshes { get; private set; }

        /// <summary>A change the table holds and this view takes in at its next refresh.</summary>
        public void OnRefresh(SiloAddress silo, SiloStatus status) => _onRefresh = (silo, status);

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default)
        {
            Refreshes++;
            if (_onRefresh is var (silo, status)) Set(silo, status);
            _onRefresh = null;
            return ValueTask.CompletedTask;
        }

        public Task<bool> TryKill(SiloAddress siloAddress) => throw new NotSupportedException();
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
