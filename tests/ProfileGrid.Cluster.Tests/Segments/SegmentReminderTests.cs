using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// A profile in a time-window segment keeps one durable reminder for the earliest window that may flip, and its
/// state records when that reminder fires. A profile woken from storage (by a segment's evaluation over every
/// profile) need not arm it again; a reminder that found nothing left to check and was unregistered must not be
/// taken for armed.
/// </summary>
[Collection(SegmentsClusterCollection.Name)]
public sealed class SegmentReminderTests(SegmentsClusterFixture fixture)
{
    private const string ReminderName = "segments-time";
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private string U(string s) => $"{s}-{_run}";
    private DateTimeOffset Now => fixture.Clock.GetUtcNow();

    [Fact]
    public async Task A_profile_woken_to_evaluate_a_new_segment_keeps_the_reminder_it_armed_before()
    {
        await fixture.Define(U("visited-today"), $"exists(events where type = \"web.pageView\" and attributes.run = \"{_run}\" within 1d)");
        var visitor = U("sleeper");
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", visitor)).At(Now.AddMinutes(-30), attributes: $"{{\"run\":\"{_run}\"}}"));
        var profile = await _grains.ProfileOf("ecid", visitor);
        var armed = await Reminder(profile);
        Assert.NotNull(armed);

        await fixture.Deactivate(profile);
        var visitors = U("visitors");
        await fixture.Define(visitors, $"exists(events where type = \"web.pageView\" and attributes.run = \"{_run}\")");
        Assert.Contains(profile, await _grains.Audience(visitors));
        // Evaluated in a new activation, which found in the state that the reminder fires in time.
        Assert.Equal(armed.ETag, (await Reminder(profile))!.ETag);

        // A window that closes earlier does move it: the comparison above can see a re-arming.
        await fixture.Deactivate(profile);
        var lastHour = U("visited-last-hour");
        await fixture.Define(lastHour, $"exists(events where type = \"web.pageView\" and attributes.run = \"{_run}\" within 1h)");
        Assert.Contains(profile, await _grains.Audience(lastHour));
        var moved = await Reminder(profile);
        Assert.NotEqual(armed.ETag, moved!.ETag);
        Assert.True(moved.StartAt < armed.StartAt, $"the reminder was moved from {armed.StartAt:O} to {moved.StartAt:O}, not earlier");
    }

    [Fact]
    public async Task A_reminder_that_fires_early_with_nothing_left_to_check_is_unregistered_and_a_later_window_arms_one_again()
    {
        var soon = U("visited-soon-over");
        await fixture.Define(soon, $"exists(events where type = \"web.pageView\" and attributes.run = \"{_run}\" within 1d)");
        var visitor = U("visitor");
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", visitor)).At(Now.AddDays(-1).AddHours(1), attributes: $"{{\"run\":\"{_run}\"}}"));
        var profile = await _grains.ProfileOf("ecid", visitor);
        Assert.NotNull(await Reminder(profile));

        // The segment goes; then the reminder fires an hour early (the reminder service runs on a silo whose clock
        // is ahead): it finds nothing left to check and is unregistered.
        Assert.True((await fixture.Registry.Delete(soon)).Succeeded);
        for (var i = 0; i < 100 && (await _grains.SegmentsOf(profile)).Contains(soon); i++) await Task.Delay(20);
        var now = Now.UtcDateTime;
        await _grains.GetGrain<IProfileSegmentsGrain>(profile).AsReference<IRemindable>()
            .ReceiveReminder(ReminderName, new TickStatus(now, TimeSpan.FromHours(1), now));
        Assert.Null(await Reminder(profile));

        // A new window must arm a reminder again, although the reminder time the profile stored lies ahead.
        await fixture.Define(U("visited-today"), $"exists(events where type = \"web.pageView\" and attributes.run = \"{_run}\" within 1d)");
        await _grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", visitor)).At(Now, attributes: $"{{\"run\":\"{_run}\"}}"));
        Assert.NotNull(await Reminder(profile));
    }

    private Task<ReminderEntry?> Reminder(string profileId) =>
        fixture.Cluster.GetActiveSilos().OfType<InProcessSiloHandle>().First().SiloHost.Services
            .GetRequiredService<IReminderTable>().ReadRow(GrainId.Create("profile", profileId), ReminderName)!;
}
