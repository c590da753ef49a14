using System.Diagnostics.Metrics;
using Orleans.Concurrency;

namespace ProfileGrid.Ingestion;

/// <summary>
/// Validates a batch, records it in the <see cref="IEventJournal"/> (idempotency for ever; durable
/// before anything is acknowledged when the journal is), and applies each new event to its profile,
/// which confirms it to the journal once its state holding the event is written.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class IngestGrain(
    EventValidator validator,
    IEventJournal journal,
    EventApplier applier,
    StitchCoordinator coordinator) : Grain, IIngestGrain
{
    private static readonly Meter Meter = new("ProfileGrid.Ingestion");
    private static readonly Counter<long> Accepted = Meter.CreateCounter<long>("profilegrid.events.accepted");
    private static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("profilegrid.events.duplicates");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("profilegrid.events.rejected");

    public async Task<IngestResult> Ingest(ImmutableArray<RawEvent> events)
    {
        var rejected = new List<RejectedEvent>();
        var duplicates = 0;
        if (events.Length > validator.Options.MaxEventsPerRequest)
        {
            return new IngestResult(0, 0,
                [new RejectedEvent(-1, null, $"request: {events.Length} events, over the limit of {validator.Options.MaxEventsPerRequest} (ProfileGrid:Ingestion:MaxEventsPerRequest)")], []);
        }

        var valid = new List<(int Index, CustomerEvent Event)>(events.Length);
        var inBatch = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Length; i++)
        {
            if (!validator.TryValidate(events[i], out var e, out var reason))
            {
                rejected.Add(new RejectedEvent(i, events[i].Id, reason));
                continue;
            }
            if (!inBatch.Add(e.Id)) { duplicates++; continue; }
            valid.Add((i, e));
        }

        var answers = await journal.Record([.. valid.Select(v => v.Event)]);
        var toApply = new List<EventToApply>(valid.Count);
        var storedNow = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 0; n < valid.Count; n++)
        {
            switch (answers[n].Outcome)
            {
                case JournalOutcome.Apply:
                    toApply.Add(new EventToApply(valid[n].Index, valid[n].Event, answers[n].NewIdentities));
                    if (answers[n].StoredNow) storedNow.Add(valid[n].Event.Id);
                    break;
                case JournalOutcome.Duplicate: duplicates++; break;
                default: rejected.Add(new RejectedEvent(valid[n].Index, valid[n].Event.Id, answers[n].Reason ?? "refused by storage")); break;
            }
        }

        var report = await applier.Apply(toApply);
        // Found on its profile although this call stored it: taken back by the profile while this call applied it.
        var takenBack = report.AlreadyApplied.Count(storedNow.Contains);
        duplicates += report.AlreadyApplied.Count - takenBack;
        if (report.Failed.Count > 0) await journal.Failed([.. report.Failed.Select(f => f.EventId!)]);
        rejected.AddRange(report.Failed);

        Accepted.Add(report.Applied.Count + takenBack);
        Duplicates.Add(duplicates);
        Rejected.Add(rejected.Count);
        return new IngestResult(report.Applied.Count + takenBack, duplicates, [.. rejected.OrderBy(r => r.Index)], [.. report.Warnings.OrderBy(w => w.Index)]);
    }

    public async Task<string> SetTraits(IdentityKey identity, string traitsJson, DateTimeOffset observedAt)
    {
        var receipt = await journal.RecordTraits(identity, traitsJson, observedAt);
        StitchResult result;
        try
        {
            result = await coordinator.SetTraits(identity, traitsJson, observedAt);
        }
        catch (ArgumentException) when (receipt is { } refused)
        {
            // The profile refused the traits themselves: certainly not applied.
            await journal.TraitsRefused(refused);
            throw;
        }
        if (result.Succeeded) return result.ProfileId!;
        if (receipt is { } notApplied) await journal.TraitsRefused(notApplied);
        throw new InvalidOperationException(result.Error);
    }

    public Task<string?> Unlink(IdentityKey identity) => coordinator.Unlink(identity);
}
