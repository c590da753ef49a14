namespace ProfileGrid.Ingestion;

/// <summary>What the journal says about one event offered to it.</summary>
public enum JournalOutcome
{
    /// <summary>Stored (durably, where the storage is durable) and not yet applied: apply it now.</summary>
    Apply,

    /// <summary>Seen and applied before: nothing to do.</summary>
    Duplicate,

    /// <summary>The storage refused it; <see cref="JournalAnswer.Reason"/> says why.</summary>
    Rejected,
}

/// <summary>The journal's answer for one event.</summary>
/// <param name="NewIdentities">
/// Identities of an event to apply that the journal had no record of before it (nothing stored can belong to them),
/// when the journal knows; default otherwise. Their grains need not ask storage for state when they first activate.
/// </param>
/// <param name="StoredNow">
/// This call stored the event (it is not a re-send of one stored before): if its profile turns out to hold it already,
/// a profile took it back from the journal while this call was applying it, and it is reported accepted.
/// </param>
public readonly record struct JournalAnswer(JournalOutcome Outcome, string? Reason = null, ImmutableArray<IdentityKey> NewIdentities = default, bool StoredNow = false);

/// <summary>
/// Where ingestion records the facts and learns which events are new: idempotency by event id, for
/// ever. An event is recorded before it is applied to profiles and before the caller is answered,
/// so with durable storage an acknowledged event survives any crash.
/// </summary>
public interface IEventJournal
{
    /// <summary>Records the events and answers, per event (same order), whether it must be applied.</summary>
    Task<IReadOnlyList<JournalAnswer>> Record(IReadOnlyList<CustomerEvent> events);

    /// <summary>
    /// The events' profiles are written (the profile grain says so after its write): a re-send of them
    /// is a duplicate from now on, and recovery leaves them alone.
    /// </summary>
    Task Applied(IReadOnlyList<string> eventIds);

    /// <summary>Applying the events failed: a re-send must apply them, not be taken for a duplicate.</summary>
    Task Failed(IReadOnlyList<string> eventIds);

    /// <summary>
    /// Events of these identities that were recorded but may be missing from their profile because the silo that
    /// held them unwritten died (<see cref="Storage.LostEventWindow"/>), in the order recorded; empty, without reading
    /// the log, when no event can be lost. A profile that activates applies them, so that it does not answer a lookup
    /// without an event its caller was told was accepted. Every event of the identities recorded within
    /// <paramref name="heldFor"/> before now is included too, confirmed or not: when a silo dies, Orleans deactivates
    /// the live silos' activations whose directory entries it held, and such an activation may write and confirm its
    /// held events only after a new activation of the same profile has read the stored state without them.
    /// </summary>
    /// <param name="heldFor">How long a profile may hold events before writing them (its write delay, with a margin).</param>
    Task<IReadOnlyList<CustomerEvent>> LostEventsOf(IReadOnlyCollection<IdentityKey> identities, TimeSpan heldFor);

    /// <summary>
    /// Records a trait observation (<c>setTraits</c>) before it is applied and acknowledged, so that traits
    /// are re-derivable like the rest of a profile. Throws <see cref="ArgumentException"/>, naming the field
    /// and the rule, when the storage cannot hold it; nothing is then applied. Returns a receipt for
    /// <see cref="TraitsRefused"/>, or null when nothing was stored.
    /// </summary>
    Task<long?> RecordTraits(IdentityKey identity, string traitsJson, DateTimeOffset observedAt);

    /// <summary>
    /// The recorded observation was certainly not applied (the profile refused it): it is taken back, so that a
    /// profile re-derived from storage does not hold traits its caller was told failed. Not for an ambiguous
    /// failure (a timeout, a lost silo), where it may have been applied: the caller retries, and an observation
    /// applied twice changes nothing.
    /// </summary>
    Task TraitsRefused(long receipt);
}
