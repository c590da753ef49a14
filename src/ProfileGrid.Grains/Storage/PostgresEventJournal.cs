using System.Threading.Channels;
using ProfileGrid.Ingestion;
using ProfileGrid.Storage.Postgres.EventLog;

namespace ProfileGrid.Storage;

/// <summary>
/// The durable journal: every event is appended to the PostgreSQL event log (group commit) before it
/// is applied or acknowledged, and the log's primary key is the idempotency for ever, across silos
/// and restarts. The log also keeps a marker per event until its profile is written
/// (<see cref="Applied"/>), so an event whose silo died mid-stitch is applied again by a re-send or by
/// <see cref="EventRecovery"/>, never taken for a duplicate.
/// </summary>
public sealed class PostgresEventJournal : IEventJournal, IAsyncDisposable
{
    /// <summary>Ids confirmed per round trip; confirmations are batched like appends.</summary>
    private const int MaxIdsPerConfirmation = 5_000;

    /// <summary>Lost events a profile takes back when it activates; more are left to the recovery pass.</summary>
    public const int MaxLostEventsPerProfile = 1_000;

    private static readonly Task<IReadOnlyList<CustomerEvent>> NoEvents = Task.FromResult<IReadOnlyList<CustomerEvent>>([]);

    private readonly PostgresEventLog _log;
    private readonly PostgresTraitLog _traits;
    private readonly LostEventWindow _window;
    private readonly OwnerCache _owners;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresEventJournal> _logger;
    private readonly Channel<string> _applied = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _confirming;

    public PostgresEventJournal(PostgresEventLog log, PostgresTraitLog traits, LostEventWindow window, OwnerCache owners, TimeProvider time, ILogger<PostgresEventJournal> logger)
    {
        _log = log;
        _traits = traits;
        _window = window;
        _owners = owners;
        _time = time;
        _logger = logger;
        _confirming = Task.Run(ConfirmLoop);
    }

    public PostgresEventLog Log => _log;

    public async Task<IReadOnlyList<JournalAnswer>> Record(IReadOnlyList<CustomerEvent> events)
    {
        if (events.Count == 0) return [];
        var rows = events.Select(EventLogMapping.ToLog).ToArray();
        // Asked before the append, so that the answer is about what was recorded before these events.
        var none = await UnrecordedAmong(events);
        JournalAnswer[] answers;
        try
        {
            answers = [.. (await _log.AppendAsync(rows)).Select(Answer)];
        }
        catch (ArgumentException)
        {
            // One event the database cannot store (the log names it) fails the whole append before
            // anything is written; store the others one by one and reject only the bad ones.
            answers = new JournalAnswer[rows.Length];
            await Task.WhenAll(rows.Select(async (row, i) =>
            {
                try { answers[i] = Answer((await _log.AppendAsync([row]))[0]); }
                catch (ArgumentException e) { answers[i] = new JournalAnswer(JournalOutcome.Rejected, e.Message.Replace(" (Parameter 'events')", "", StringComparison.Ordinal)); }
            }));
        }

        if (none.Count == 0) return answers;
        for (var i = 0; i < answers.Length; i++)
        {
            if (answers[i].Outcome != JournalOutcome.Apply) continue;
            var identities = events[i].Identities.Where(identity => none.Contains(new EventIdentity(identity.Namespace, identity.Value))).ToImmutableArray();
            if (!identities.IsEmpty) answers[i] = answers[i] with { NewIdentities = identities };
        }
        return answers;
    }

    /// <summary>
    /// Of the identities of the events that this silo does not know the owner of, those no event or trait observation
    /// was recorded for. An event whose identities the silo all knows goes to their profile directly
    /// (<see cref="StitchCoordinator"/>), not to its identities' grains, so asking about it would cost the log for
    /// nothing. Not knowing (the log cannot be read) only means the identities' grains read storage as usual.
    /// </summary>
    private async Task<IReadOnlySet<EventIdentity>> UnrecordedAmong(IReadOnlyList<CustomerEvent> events)
    {
        HashSet<EventIdentity>? unknown = null;
        foreach (var e in events)
        {
            foreach (var identity in e.Identities)
            {
                if (!_owners.TryGet(identity, out _)) (unknown ??= []).Add(new EventIdentity(identity.Namespace, identity.Value));
            }
        }
        if (unknown is null) return NoIdentities;
        try
        {
            return await _log.UnrecordedIdentitiesAsync(unknown);
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "Could not ask the event log which of {Count} identities are new; their grains read storage", unknown.Count);
            return NoIdentities;
        }
    }

    private static readonly IReadOnlySet<EventIdentity> NoIdentities = new HashSet<EventIdentity>();

    public async Task<long?> RecordTraits(IdentityKey identity, string traitsJson, DateTimeOffset observedAt) =>
        await _traits.AppendAsync(new TraitObservation(new EventIdentity(identity.Namespace, identity.Value), observedAt, traitsJson));

    public Task TraitsRefused(long receipt) => _traits.RemoveAsync(receipt);

    public Task Applied(IReadOnlyList<string> eventIds)
    {
        foreach (var id in eventIds) _applied.Writer.TryWrite(id);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CustomerEvent>> LostEventsOf(IReadOnlyCollection<IdentityKey> identities, TimeSpan heldFor)
    {
        // Every unconfirmed event of the identities, however recent: one a live silo is applying right now is taken
        // too (its own call then finds it on the profile, and its request still reports it accepted, as it stored
        // it: JournalAnswer.StoredNow), so that a profile woken soon after a silo's death misses nothing.
        if (identities.Count == 0) return NoEvents;
        return Read();

        async Task<IReadOnlyList<CustomerEvent>> Read()
        {
            if (await _window.HorizonForActivationAsync() is not { } receivedBefore) return [];
            var stored = await _log.ReadUnappliedByIdentitiesAsync(
                [.. identities.Select(i => new EventIdentity(i.Namespace, i.Value))], receivedBefore, MaxLostEventsPerProfile,
                alsoStoredSince: _time.GetUtcNow() - heldFor);
            return [.. stored.Select(EventLogMapping.FromLog)];
        }
    }

    /// <summary>The marker stays: a re-send is answered Pending and applied, and the recovery pass retries it.</summary>
    public Task Failed(IReadOnlyList<string> eventIds) => Task.CompletedTask;

    /// <summary>Writes the confirmations still queued.</summary>
    public async ValueTask DisposeAsync()
    {
        _applied.Writer.TryComplete();
        await _confirming;
    }

    private static JournalAnswer Answer(AppendOutcome outcome) => outcome switch
    {
        AppendOutcome.Appended => new JournalAnswer(JournalOutcome.Apply, StoredNow: true),
        AppendOutcome.Pending => new JournalAnswer(JournalOutcome.Apply),
        _ => new JournalAnswer(JournalOutcome.Duplicate),
    };

    private async Task ConfirmLoop()
    {
        var reader = _applied.Reader;
        var batch = new List<string>(MaxIdsPerConfirmation);
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxIdsPerConfirmation && reader.TryRead(out var id)) batch.Add(id);
            try
            {
                await _log.MarkAppliedAsync(batch);
            }
            catch (Exception e)
            {
                // Harmless but worth knowing: these events will be applied once more by recovery (a no-op).
                _logger.LogWarning(e, "Confirming {Count} applied events failed; the recovery pass will re-apply them", batch.Count);
            }
        }
    }
}
