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

    /// <summary>
    /// Sends the profile's segment reminder a tick now, as the reminder service of a silo whose clock is ahead
    /// would (the reminder service here keeps to the fake clock, so it never ticks early by itself).
    /// </summary>
    protected Task TickReminder(string profileId)
    {
        var now = Now.UtcDateTime;
        return Grains.GetGrain<IProfileSegmentsGrain>(profileId).AsReference<IRemindable>()
            .ReceiveReminder(SegmentReminderName, new TickStatus(now, TimeSpan.FromHours(1), now));
    }
}
