using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// A profile in a time-window segment keeps one durable reminder for the earliest window that may flip, and its
/// state records when that reminder fires. A profile woken from storage (by a segment's evaluation over every
/// profile) need not arm it again; a reminder that found nothing left to check and was unregistered must not be
/// taken for armed.
/// </summary>
[Collection(SegmentsClusterCollection.Name)]
public sealed class SegmentReminderTests(SegmentsClusterFixture fixture) : SegmentsTest(fixture)
{
    [Fact]
    public async Task A_profile_woken_to_evaluate_a_new_segment_keeps_the_reminder_it_armed_before()
    {
        await DefineVisitedWithinADay(U("visited-today"));
        var profile = await Visit(U("sleeper"), Now.AddMinutes(-30));
        var armed = await Reminder(profile);
        Assert.NotNull(armed);

        await Fixture.Deactivate(profile);
        var visitors = U("visitors");
        await Fixture.Define(visitors, $"exists(events where type = \"web.pageView\" and attributes.run = \"{Run}\")");
        Assert.Contains(profile, await Grains.Audience(visitors));
        // Evaluated in a new activation, which found in the state that the reminder fires in time.
        Assert.Equal(armed.ETag, (await Reminder(profile))!.ETag);

        // A window that closes earlier does move it: the comparison above can see a re-arming.
        await Fixture.Deactivate(profile);
        var lastHour = U("visited-last-hour");
        await Fixture.Define(lastHour, $"exists(events where type = \"web.pageView\" and attributes.run = \"{Run}\" within 1h)");
        Assert.Contains(profile, await Grains.Audience(lastHour));
        var moved = await Reminder(profile);
        Assert.NotEqual(armed.ETag, moved!.ETag);
        Assert.True(moved.StartAt < armed.StartAt, $"the reminder was moved from {armed.StartAt:O} to {moved.StartAt:O}, not earlier");
    }

    [Fact]
    public async Task A_reminder_that_fires_early_with_nothing_left_to_check_is_unregistered_and_a_later_window_arms_one_again()
    {
        var soon = U("visited-soon-over");
        await DefineVisitedWithinADay(soon);
        var visitor = U("visitor");
        var profile = await Visit(visitor, Now.AddDays(-1).AddHours(1));
        Assert.NotNull(await Reminder(profile));

        // The segment goes; then the reminder fires an hour early (the reminder service runs on a silo whose clock
        // is ahead): it finds nothing left to check and is unregistered.
        Assert.True((await Fixture.Registry.Delete(soon)).Succeeded);
        for (var i = 0; i < 100 && (await Grains.SegmentsOf(profile)).Contains(soon); i++) await Task.Delay(20);
        await TickReminder(profile);
        Assert.Null(await Reminder(profile));

        // A new window must arm a reminder again, although the reminder time the profile stored lies ahead.
        await DefineVisitedWithinADay(U("visited-today"));
        await Visit(visitor, Now);
        Assert.NotNull(await Reminder(profile));
    }

    [Fact]
    public async Task A_tick_the_reminder_service_loses_comes_again_within_a_minute()
    {
        // Orleans' reminder service re-reads its table every few minutes; a re-read that lands between a tick's time
        // and its firing takes the tick for missed and waits for the next period. That period is what a window can be
        // late by: it must be short, however far ahead the window itself is.
        await Fixture.Define(U("visited-this-month"), $"exists(events where type = \"web.pageView\" and attributes.run = \"{Run}\" within 30d)");
        var profile = await Visit(U("monthly"), Now.AddMinutes(-5));
        var armed = await Reminder(profile);
        Assert.NotNull(armed);
        Assert.True(armed.Period <= TimeSpan.FromMinutes(1), $"a lost tick would come again only after {armed.Period}");
        Assert.True(armed.Period > TimeSpan.Zero);
    }

    private Task<ReminderEntry?> Reminder(string profileId) =>
        Fixture.SiloServices.GetRequiredService<IReminderTable>().ReadRow(GrainId.Create("profile", profileId), SegmentReminderName)!;
}
