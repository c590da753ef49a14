using ProfileGrid.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace ProfileGrid.Durability.Tests.Crashes;

/// <summary>
/// A part moving from one profile to another (an unlink, a shared device signing in elsewhere) is two
/// profiles' writes. These tests stop the move between them, with the receiver unreachable and the sender's
/// silo killed, and check that the move completes later with every event on exactly one profile.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class HandoverCrashTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task An_unlink_whose_silo_dies_before_the_new_profile_took_the_part_in_completes_on_the_next_lookup()
    {
        var run = $"handover{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("handover_unlink");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var (crm, laptop, phone) = ($"{run}-crm", $"{run}-laptop", $"{run}-phone");
        RawEvent[] events =
        [
            People.Numbered(run, 0, "identity.login", ("crmId", crm), ("ecid", laptop)),
            People.Numbered(run, 1, "identity.login", ("crmId", crm), ("ecid", phone)),
            People.Numbered(run, 2, "web.pageView", ("ecid", laptop)),
            People.Numbered(run, 3, "web.pageView", ("ecid", laptop)),
            People.Numbered(run, 4, "commerce.purchase", ("crmId", crm)),
        ];
        foreach (var e in events) Assert.Equal(1, (await grid.Grains.IngestAll([e])).Accepted);
        var person = (await grid.Grains.Lookup("crmId", crm))!;
        Assert.Equal(3, person.Identities.Length);

        string newId;
        using (CallFaults.Refuse(nameof(IProfileGrain.Receive), CallFaults.ReceivingPartWith(new IdentityKey("ecid", laptop))))
        {
            newId = (await grid.Grains.GetGrain<IIngestGrain>(0).Unlink(new IdentityKey("ecid", laptop)))!;

            // Recorded on the old profile, not delivered: the laptop's part is on neither timeline.
            Assert.True(CallFaults.Refused >= 1);
            Assert.Null(await grid.Grains.ById(newId));
            var during = (await grid.Grains.ById(person.Id))!;
            Assert.Equal([$"crmId:{crm}", $"ecid:{phone}"], during.Identities.Select(i => i.ToString()).Order());
            Assert.Equal([events[0].Id, events[1].Id, events[4].Id], during.Events.Select(e => e.Id).Order());

            // Its silo dies before any retry gets through.
            await KillSiloHosting(grid, person.Id);
        }

        // The laptop still points at the old profile; looking it up has that profile deliver the part, and the lookup
        // goes on to where it went: the first lookup answered (once the cluster noticed the dead silo) never shows the
        // profile the laptop is leaving.
        ProfileView? laptopView = null;
        await Waiting.UntilAsync(async () => { laptopView = await grid.Grains.Lookup("ecid", laptop); return true; },
            TimeSpan.FromSeconds(60), "a lookup of the laptop answered");
        Assert.Equal(newId, laptopView?.Id);
        var personAfter = (await grid.Grains.Lookup("crmId", crm))!;
        Assert.Equal(person.Id, personAfter.Id);
        Assert.Equal([$"ecid:{laptop}"], laptopView!.Identities.Select(i => i.ToString()));
        Assert.Equal([events[2].Id, events[3].Id], laptopView.Events.Select(e => e.Id).Order());
        Assert.Equal([$"crmId:{crm}", $"ecid:{phone}"], personAfter.Identities.Select(i => i.ToString()).Order());
        Assert.Equal([events[0].Id, events[1].Id, events[4].Id], personAfter.Events.Select(e => e.Id).Order());
        Assert.Equal(2, laptopView.Stats.EventCount);
        Assert.Equal(3, personAfter.Stats.EventCount);
    }

    /// <param name="receiverIsOlder">
    /// The device moves to a profile with a lower id than its own: delivered from outside the sending profile's turn
    /// (by the ingestion and then by its retry timer), since profiles call only upwards. Else the sender delivers it.
    /// </param>
    [PostgresTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_shared_device_moving_to_a_profile_that_cannot_take_it_in_yet_moves_once_it_can(bool receiverIsOlder)
    {
        var run = $"handover{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("handover_device");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var (alice, bob, laptop, before, aliceId, bobId) = await AliceOnALaptopAndBob(grid, run, receiverIsOlder);
        var bobLogsIn = People.Numbered(run, 4, "identity.login", ("crmId", bob), ("ecid", laptop));

        IngestResult result;
        using (CallFaults.Refuse(nameof(IProfileGrain.Receive), CallFaults.ReceivingPartWith(new IdentityKey("ecid", laptop)), times: 2))
        {
            result = await grid.Grains.IngestAll([bobLogsIn]);
            Assert.Equal(2, CallFaults.Refused);
        }

        Assert.Equal(1, result.Accepted);
        Assert.Empty(result.Rejected);
        var aliceView = (await grid.Grains.Lookup("crmId", alice))!;
        var bobView = (await grid.Grains.Lookup("crmId", bob))!;
        Assert.Equal(bobView.Id, (await grid.Grains.Lookup("ecid", laptop))!.Id);
        Assert.Equal([$"crmId:{alice}"], aliceView.Identities.Select(i => i.ToString()));
        Assert.Equal([$"crmId:{bob}", $"ecid:{laptop}"], bobView.Identities.Select(i => i.ToString()).Order());
        var aliceLogin = before.Single(e => e.Identities.Any(i => i.Id == alice));
        Assert.Equal([aliceLogin.Id], aliceView.Events.Select(e => e.Id));
        Assert.Equal(before.Where(e => e != aliceLogin).Select(e => e.Id).Append(bobLogsIn.Id).Order(), bobView.Events.Select(e => e.Id).Order());
        Assert.Equal((aliceId, bobId), (aliceView.Id, bobView.Id));
    }

    [PostgresFact]
    public async Task A_lookup_of_a_device_on_its_way_to_an_older_profile_finds_that_profile()
    {
        var run = $"handover{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("handover_lookup");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var (_, bob, laptop, _, aliceId, bobId) = await AliceOnALaptopAndBob(grid, run, bobIsOlder: true);

        var moving = new IdentityKey("ecid", laptop);
        Task<IngestResult> bobLogsIn;
        ProfileView? during;
        using (CallFaults.Refuse(nameof(IProfileGrain.Receive), CallFaults.ReceivingPartWith(moving)))
        {
            // Bob signs in on the laptop; until he can take it in, the ingestion keeps trying.
            bobLogsIn = grid.Grains.IngestAll([People.Numbered(run, 4, "identity.login", ("crmId", bob), ("ecid", laptop))]);
            // Once Alice has handed the laptop's part over (it left her graph; it still points at her)...
            do during = await grid.Grains.Lookup("ecid", laptop);
            while (during?.Id == aliceId && during.Identities.Contains(moving) && !bobLogsIn.IsCompleted);
            Assert.Equal(aliceId, await grid.Grains.Identity(moving).GetOwner());
        }
        // ...a lookup of it was sent to Bob, whom it is joining, not to Alice, whom it left.
        Assert.Equal(bobId, during?.Id);
        Assert.Equal(1, (await bobLogsIn).Accepted);
        Assert.Contains(moving, (await grid.Grains.Lookup("crmId", bob))!.Identities);
    }

    /// <summary>Alice, signed in on a laptop she browsed on twice, and Bob, signed in elsewhere, older or newer than her.</summary>
    private static async Task<(string Alice, string Bob, string Laptop, RawEvent[] Before, string AliceId, string BobId)> AliceOnALaptopAndBob(
        DurableCluster grid, string run, bool bobIsOlder)
    {
        var (alice, bob, laptop) = ($"{run}-alice", $"{run}-bob", $"{run}-laptop");
        var bobFirst = People.Numbered(run, 3, "identity.login", ("crmId", bob));
        RawEvent[] before =
        [
            People.Numbered(run, 0, "identity.login", ("crmId", alice), ("ecid", laptop)),
            People.Numbered(run, 1, "web.pageView", ("ecid", laptop)),
            People.Numbered(run, 2, "web.pageView", ("ecid", laptop)),
        ];
        before = bobIsOlder ? [bobFirst, .. before] : [.. before, bobFirst];
        foreach (var e in before)
        {
            Assert.Equal(1, (await grid.Grains.IngestAll([e])).Accepted);
            await Task.Delay(5); // profile ids order by creation time, to the millisecond
        }
        var (aliceId, bobId) = ((await grid.Grains.Lookup("crmId", alice))!.Id, (await grid.Grains.Lookup("crmId", bob))!.Id);
        Assert.Equal(bobIsOlder, string.CompareOrdinal(bobId, aliceId) < 0);
        return (alice, bob, laptop, before, aliceId, bobId);
    }

    /// <summary>
    /// SIGKILL, as near as a TestingHost gets: the silo holding the profile stops without leaving the membership.
    /// It is not a process kill: grains on their way down may still write their state for a moment (seen in
    /// StateWriteDelayTests), so what these tests prove about lost writes comes from the writes they arrange not to
    /// happen (the receiver's calls refused by a call filter), not from the kill; the real-process SIGKILL is in
    /// Deployment.Tests.
    /// </summary>
    private static async Task KillSiloHosting(DurableCluster grid, string profileId)
    {
        var address = await grid.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grid.Grains.GetGrain<IProfileGrain>(profileId));
        var silo = grid.Cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(address));
        await grid.Cluster.KillSiloAsync(silo);
    }
}
