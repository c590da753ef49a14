using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.Storage;

namespace ProfileGrid.Durability.Tests.Storage;

/// <summary>
/// With PostgreSQL a profile holds the events of its write delay in memory and writes them once; each
/// event is acknowledged once it is in the log, and its "not yet applied" marker goes only after the
/// profile write that holds it. A silo that dies first leaves the markers, and recovery re-applies.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class StateWriteDelayTests(PostgresServerFixture postgres)
{
    private static readonly Dictionary<string, string> TwoSecondDelay = new() { ["ProfileGrid:Profiles:StateWriteDelay"] = "00:00:02" };

    [PostgresFact]
    public async Task Events_of_one_write_delay_are_written_in_one_profile_write_and_confirmed_after_it()
    {
        var run = $"delay{Guid.NewGuid():N}"[..12];
        var connectionString = await postgres.CreateDatabaseAsync("state_write_delay");
        await using var grid = await DurableCluster.StartAsync(connectionString, run, silos: 1, TwoSecondDelay);
        var random = new Random(3);
        await grid.Grains.IngestAll([People.Event(run, 0, 2, random)]);
        var created = await ProfileVersion(connectionString);

        var later = Enumerable.Range(0, 10).Select(_ => People.Event(run, 0, 3, random)).ToArray();
        var result = await grid.Grains.IngestAll(later);
        var unconfirmedAtAnswer = await Unconfirmed(connectionString, later);
        var versionAtAnswer = await ProfileVersion(connectionString);
        var seenAtAnswer = (await grid.Grains.Lookup("crmId", People.Crm(run, 0)))!.Events.Length;
        await Waiting.UntilAsync(async () => await Unconfirmed(connectionString, later) == 0, TimeSpan.FromSeconds(20), "the profile written within its write delay");

        Assert.Equal((10, 0), (result.Accepted, result.Duplicates));
        Assert.Equal(10, unconfirmedAtAnswer);
        Assert.Equal(created, versionAtAnswer);
        Assert.Equal(11, seenAtAnswer);
        Assert.Equal(created + 1, await ProfileVersion(connectionString));
    }

    [PostgresFact]
    public async Task Events_a_killed_silo_held_unwritten_come_back_from_the_log()
    {
        var run = $"delayk{Guid.NewGuid():N}"[..13];
        var connectionString = await postgres.CreateDatabaseAsync("state_write_delay_kill");
        var oneMinute = new Dictionary<string, string>(TwoSecondDelay) { ["ProfileGrid:Profiles:StateWriteDelay"] = "00:00:20" };
        await using var grid = await DurableCluster.StartAsync(connectionString, run, silos: 2, oneMinute);
        var random = new Random(4);
        const int people = 12;
        for (var person = 0; person < people; person++) await grid.Grains.IngestAll([People.Event(run, person, 2, random)]);
        var unwritten = Enumerable.Range(0, people).Select(person => People.Event(run, person, 3, random)).ToArray();
        await grid.Grains.IngestAll(unwritten);
        var unconfirmedBeforeKill = await Unconfirmed(connectionString, unwritten);

        await grid.Cluster.KillSiloAsync(grid.Cluster.SecondarySilos[0]);
        // The first live silo may already have re-applied them when the kill was noticed; this pass makes sure.
        await grid.SiloServices.GetRequiredService<EventRecovery>().RecoverAsync(DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.Equal(people, unconfirmedBeforeKill);
        Assert.Equal(0, await Unconfirmed(connectionString, unwritten));
        for (var person = 0; person < people; person++)
        {
            var view = (await grid.Grains.Lookup("crmId", People.Crm(run, person)))!;
            Assert.Equal(1, view.Events.Count(e => e.Id == unwritten[person].Id));
            Assert.Equal(2, view.Events.Length);
        }
    }

    /// <summary>
    /// End to end, with no recovery pass. A TestingHost kill may let the silo write some states on its way down (a
    /// SIGKILL does not), so the profile's own part is pinned down by LostEventWindowTests; this one shows that after
    /// a kill every lookup is whole and every event confirmed well within the write delay.
    /// </summary>
    [PostgresFact]
    public async Task A_profile_woken_after_its_silo_was_killed_shows_the_events_it_had_acknowledged_without_waiting_for_recovery()
    {
        var run = $"delayt{Guid.NewGuid():N}"[..13];
        var connectionString = await postgres.CreateDatabaseAsync("state_write_delay_take_back");
        var settings = new Dictionary<string, string>
        {
            ["ProfileGrid:Profiles:StateWriteDelay"] = "00:00:20",
            [DurableCluster.WithoutRecoveryPass] = "true",
        };
        await using var grid = await DurableCluster.StartAsync(connectionString, run, silos: 2, settings);
        var random = new Random(6);
        const int people = 40;
        for (var person = 0; person < people; person++) await grid.Grains.IngestAll([People.Event(run, person, 2, random)]);
        var unwritten = Enumerable.Range(0, people).Select(person => People.Event(run, person, 3, random)).ToArray();
        Assert.Equal(people, (await grid.Grains.IngestAll(unwritten)).Accepted);
        // The silo holding more of the people is killed, holding their second events unwritten.
        var management = grid.Grains.GetGrain<IManagementGrain>(0);
        var hosts = new List<SiloAddress>();
        for (var person = 0; person < people; person++)
        {
            var id = (await grid.Grains.Lookup("crmId", People.Crm(run, person)))!.Id;
            hosts.Add((await management.GetActivationAddress(grid.Grains.GetGrain<IProfileGrain>(id)))!);
        }
        var busiest = hosts.GroupBy(host => host).MaxBy(group => group.Count())!.Key;
        var onKilledSilo = hosts.Count(host => host.Equals(busiest));
        var killedAt = DateTime.UtcNow;

        await grid.Cluster.KillSiloAsync(grid.Cluster.GetActiveSilos().Single(silo => silo.SiloAddress.Equals(busiest)));
        var views = new List<ProfileView>();
        for (var person = 0; person < people; person++)
        {
            ProfileView? view = null;
            // Answered by an activation on the live silo: a TestingHost kill lets the killed silo answer for a moment.
            await Waiting.UntilAsync(
                async () => (view = await grid.Grains.Lookup("crmId", People.Crm(run, person)).WaitAsync(TimeSpan.FromSeconds(2))) is not null
                    && await management.GetActivationAddress(grid.Grains.GetGrain<IProfileGrain>(view.Id)) is { } host && !host.Equals(busiest),
                TimeSpan.FromSeconds(60),
                $"person {person} answering from the live silo after the kill");
            views.Add(view!);
        }
        // Those woken took theirs back, wrote and confirmed them; the live silo's still hold theirs within the write delay.
        await Waiting.UntilAsync(async () => await Unconfirmed(connectionString, unwritten) == people - onKilledSilo, TimeSpan.FromSeconds(10), "the events taken back confirmed");
        var lookedUpWithin = DateTime.UtcNow - killedAt;
        await Waiting.UntilAsync(async () => await Unconfirmed(connectionString, unwritten) == 0, TimeSpan.FromSeconds(60), "every profile written and confirmed, with no recovery pass running");
        var window = grid.SiloServices.GetRequiredService<LostEventWindow>();
        await Waiting.UntilAsync(() => Task.FromResult(window.Horizon is null), TimeSpan.FromSeconds(30), "the window closed once nothing older than the death was unconfirmed");

        Assert.True(lookedUpWithin < TimeSpan.FromSeconds(15), $"confirmed {lookedUpWithin} after the kill: within the write delay, so no profile had written by its timer yet");
        for (var person = 0; person < people; person++)
        {
            Assert.Equal(1, views[person].Events.Count(e => e.Id == unwritten[person].Id));
            Assert.Equal(2, views[person].Events.Length);
        }
    }

    private static async Task<int> Unconfirmed(string connectionString, IEnumerable<RawEvent> events) =>
        (int)await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_unapplied_events WHERE event_id = ANY(@ids)", ("ids", events.Select(e => e.Id!).ToArray()));

    /// <summary>The version (write count) of the database's one profile row: its key is hashed, so the test keeps one person per database.</summary>
    private static async Task<int> ProfileVersion(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM orleansstorage WHERE graintypestring = 'profile'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var version = reader.GetInt32(0);
        Assert.False(await reader.ReadAsync());
        return version;
    }
}
