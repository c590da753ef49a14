using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>What the tests on the shared segments cluster have in common: its grains, a run id for their names, its clock.</summary>
public abstract class SegmentsTest(SegmentsClusterFixture fixture)
{
    /// <summary>The name of a profile's durable segment reminder.</summary>
    protected const string SegmentReminderName = "segments-time";

    protected SegmentsClusterFixture Fixture { get; } = fixture;
    protected IGrainFactory Grains { get; } = fixture.Grains;
    /// <summary>This test's own id, in the names it gives people and segments.</summary>
    protected string Run { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>A name of this test run.</summary>
    protected string U(string s) => $"{s}-{Run}";
    protected DateTimeOffset Now => _clock.GetUtcNow();
    private readonly TimeProvider _clock = fixture.Clock;

    /// <summary>Defines <paramref name="segment"/> as "viewed a page of this run within the last day" (a window that closes by itself).</summary>
    protected Task<SegmentInfo> DefineVisitedWithinADay(string segment) =>
        Fixture.Define(segment, $"exists(events where type = \"web.pageView\" and attributes.run = \"{Run}\" within 1d)");

    /// <summary>A page view of this run by <paramref name="visitor"/> (an ecid) at <paramref name="at"/>; the visitor's profile id.</summary>
    protected async Task<string> Visit(string visitor, DateTimeOffset at)
    {
        await Grains.IngestAccepted(Grid.Event("web.pageView", ("ecid", visitor)).At(at, attributes: $"{{\"run\":\"{Run}\"}}"));
        return await Grains.ProfileOf("ecid", visitor);
    }

    /// <summary>
    /// Sends the profile's segment reminder a tick now, as the reminder service of a silo whose clock is ahead
    /// would (the reminder service here keeps to the fake clock, so it never ticks early by itself).
    /// </summary>
    protected Task TickReminder(string profileId)
    {
        var now = Now.UtcDateTime;
        return Grains.GetGrain<IProfileSegmentsGrain>(profileId).AsReference<IRemindable>()
            .ReceiveReminder(SegmentReminderName, new TickStatus(now, TimeSpan.FromMinutes(1), now));
    }
}
