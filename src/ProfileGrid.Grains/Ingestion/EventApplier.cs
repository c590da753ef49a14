using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using ProfileGrid.Hosting;

namespace ProfileGrid.Ingestion;

/// <summary>What applying a set of events did.</summary>
/// <param name="Applied">Ids of the events now in their profiles.</param>
/// <param name="Failed">Events that could not be applied, with the position they were given at and why.</param>
/// <param name="Warnings">Limits hit and links skipped while applying, by position.</param>
/// <param name="AlreadyApplied">Ids of events found on their profiles already (re-sent before the profile was written).</param>
public sealed record ApplyReport(
    IReadOnlyList<string> Applied,
    IReadOnlyList<RejectedEvent> Failed,
    IReadOnlyList<IngestWarning> Warnings,
    IReadOnlyList<string> AlreadyApplied);

/// <summary>An event to apply, with the position it is reported at.</summary>
/// <param name="NewIdentities">Its identities the journal had no record of (<see cref="JournalAnswer.NewIdentities"/>), when known.</param>
public readonly record struct EventToApply(int Index, CustomerEvent Event, ImmutableArray<IdentityKey> NewIdentities = default);

/// <summary>
/// Applies recorded events to profiles: events that share their strongest identity in order of their
/// timestamps, the others in parallel. Used by live ingestion and by the recovery pass alike. An event whose
/// grains' silo died under it (<see cref="PassingFailure"/>) is stitched again after a pause, for up to
/// <see cref="PassingFailurePatience"/>, before it is reported failed: stitching again is what the next event
/// meeting a cut-short stitch does anyway, and an event already on its profile is not applied twice. Not on a
/// silo that is stopping: its own calls are refused then, and its stop would wait for the pauses.
/// </summary>
public sealed class EventApplier(StitchCoordinator coordinator, IHostApplicationLifetime lifetime, ILogger<EventApplier> logger)
{
    /// <summary>Groups of events stitched at the same time.</summary>
    public const int MaxParallelGroups = 64;

    /// <summary>How long one event is stitched again after failures that pass; a silo's death is declared within it when the silo restarts, or by the others' probes in about 15 s.</summary>
    public static readonly TimeSpan PassingFailurePatience = TimeSpan.FromSeconds(10);

    /// <param name="events">The events, with the position each is reported at.</param>
    /// <param name="writeThrough">Each profile writes before answering (recovery), instead of within its write delay.</param>
    public async Task<ApplyReport> Apply(IReadOnlyList<EventToApply> events, bool writeThrough = false)
    {
        var applied = new List<string>(events.Count);
        var failed = new List<RejectedEvent>();
        var warnings = new List<IngestWarning>();
        var alreadyApplied = new List<string>();
        var groups = events.GroupBy(v => coordinator.PrimaryOf(v.Event)).ToList();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelGroups }, async (group, _) =>
        {
            // Most groups are one event: ordered without a sort.
            IEnumerable<EventToApply> inOrder = group is IList<EventToApply> { Count: 1 } ? group : group.OrderBy(v => v.Event.Timestamp);
            foreach (var (index, e, newIdentities) in inOrder)
            {
                StitchResult result;
                var started = Stopwatch.GetTimestamp();
                for (var failures = 0; ; failures++)
                {
                    try
                    {
                        // Again after a failure, the identities' grains may have been written: they read their storage.
                        result = await coordinator.Stitch(e, writeThrough, failures == 0 ? newIdentities : default);
                        break;
                    }
                    catch (Exception ex) when (PassingFailure.Is(ex) && !lifetime.ApplicationStopping.IsCancellationRequested
                        && Stopwatch.GetElapsedTime(started) < PassingFailurePatience)
                    {
                        logger.LogDebug(ex, "Event {EventId} is stitched again: its silo died under it", e.Id);
                        await Task.Delay(PassingFailure.Pause(failures), CancellationToken.None);
                    }
                    catch (Exception ex)
                    {
                        logger.LogError(ex, "Event {EventId} failed", e.Id);
                        result = new StitchResult(false, null, [], $"internal error: {ex.Message}");
                        break;
                    }
                }
                lock (applied)
                {
                    if (result.AlreadyApplied)
                    {
                        alreadyApplied.Add(e.Id);
                    }
                    else if (result.Succeeded)
                    {
                        applied.Add(e.Id);
                        foreach (var warning in result.Warnings) warnings.Add(new IngestWarning(index, e.Id, warning));
                    }
                    else
                    {
                        failed.Add(new RejectedEvent(index, e.Id, result.Error!));
                    }
                }
            }
        });
        return new ApplyReport(applied, failed, warnings, alreadyApplied);
    }
}
