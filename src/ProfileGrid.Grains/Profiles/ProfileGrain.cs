using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using ProfileGrid.Hosting;
using ProfileGrid.Ingestion;

namespace ProfileGrid.Profiles;

public sealed partial class ProfileGrain(
    [PersistentState("profile", ProfileGridStorage.Name)] IPersistentState<ProfileState> state,
    IdentityRules rules,
    StitchPlanner planner,
    IOptions<ProfileOptions> options,
    TimeProvider time,
    IEventJournal journal,
    ILogger<ProfileGrain> logger) : Grain, IProfileGrain
{
    private static readonly Meter Meter = new("ProfileGrid.Profiles");
    private static readonly Counter<long> EventsDroppedCounter = Meter.CreateCounter<long>("profilegrid.profile.events_dropped", description: "Events that fell off a profile timeline (ProfileGrid:Profiles:MaxEventsPerProfile).");
    private static readonly Counter<long> LinksDroppedCounter = Meter.CreateCounter<long>("profilegrid.profile.links_dropped", description: "Identity links dropped by the graph size limit (ProfileGrid:Identity:MaxIdentitiesPerGraph).");
    private static readonly Counter<long> MergesCounter = Meter.CreateCounter<long>("profilegrid.profile.merges");
    private static readonly Counter<long> StorageConflictsCounter = Meter.CreateCounter<long>("profilegrid.profile.storage_conflicts", description: "Profile writes refused by the storage ETag check and re-applied.");

    private ProfileState S => state.State;
    // Orleans builds the key string anew on every GetPrimaryKeyString call; an event reads it several times.
    private string Id => _id ??= this.GetPrimaryKeyString();
    private string? _id;
    private ProfileStats? _stats;
    private TimeSpan WriteDelay => options.Value.StateWriteDelay ?? TimeSpan.Zero;
    /// <summary>Ids of the events on the timeline; rebuilt from state on demand, dropped when events move out.</summary>
    private EventIdSet? _keptIds;
    /// <summary>Events applied in memory since the state was last written (<see cref="ProfileOptions.StateWriteDelay"/>).</summary>
    private readonly List<ApplyEventCommand> _unwritten = [];
    private IGrainTimer? _writeTimer;
    /// <summary>How long a handover that could not be delivered waits before it is tried again.</summary>
    public static readonly TimeSpan HandoverRetryDelay = TimeSpan.FromSeconds(1);
    /// <summary>Delivers pending handovers and confirms unconfirmed merges (<see cref="ArmCompletion"/>).</summary>
    private IGrainTimer? _completion;
    private bool _delivering;

    /// <summary>
    /// A profile that stopped between recording a handover or a merge and completing it completes it now. One whose
    /// silo may have died holding events unwritten takes them back from the journal first.
    /// </summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _storedCatalogVersion = S.Segments.CatalogVersion;
        if (S.Handovers.Count > 0 || S.Confirming.Count > 0) ArmCompletion(TimeSpan.Zero);
        else await TakeBackLostEvents(cancellationToken);
        await base.OnActivateAsync(cancellationToken);
    }

    /// <summary>
    /// How much longer than its write delay a profile may hold events: its write timer can run late under load, and a
    /// deactivation's write waits for the turn before it.
    /// </summary>
    public static readonly TimeSpan HeldEventsMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Applies the events the journal holds for this profile's identities unconfirmed while a silo's death may have
    /// lost them (<see cref="IEventJournal.LostEventsOf"/>): events the previous activation acknowledged and held
    /// within its write delay, and those of the last write delay (with <see cref="HeldEventsMargin"/>) that another
    /// activation may be writing while this one read the state. Each is applied as the ingestion's fast path would
    /// (the profile checks that every identity is, or can be claimed as, its own) and written at once; one that
    /// belongs elsewhere (a merge) is left to the recovery pass, as is everything when the journal cannot be read.
    /// </summary>
    private async Task TakeBackLostEvents(CancellationToken cancellationToken)
    {
        if (!S.Exists || S.MergedInto is not null || S.SurrenderingTo is not null) return;
        IReadOnlyList<CustomerEvent> lost;
        try
        {
            lost = await journal.LostEventsOf([.. S.Graph.Identities], WriteDelay + HeldEventsMargin);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Profile {Profile}: could not ask the journal for events lost with a silo; the recovery pass applies them", Id);
            return;
        }
        if (lost.Count == 0) return;
        var onProfile = new List<string>();
        foreach (var e in lost)
        {
            var command = new ApplyEventCommand(e, planner.Order(e.Identities), [], []);
            var outcome = await ApplyInMemory(command);
            if (outcome.Kind != OutcomeKind.Done) continue;
            if (outcome.AlreadyApplied) onProfile.Add(e.Id);
            else _unwritten.Add(command);
        }
        // Those already on the stored state were written and only their confirmation was lost.
        if (onProfile.Count > 0) await journal.Applied(onProfile);
        if (_unwritten.Count == 0) return;
        logger.LogInformation("Profile {Profile}: took back {Count} stored event(s) its stored state lacked (held by an activation whose silo died, or being written by one deactivated meanwhile)", Id, _unwritten.Count);
        await WriteUnwritten(cancellationToken);
    }

    public Task<ProfileSummary> GetSummary() =>
        Task.FromResult(new ProfileSummary(Id, S.MergedInto, S.Graph.UniqueIdentities(rules), S.Exists, S.SurrenderingTo));

    /// <summary>Times one operation is re-read and re-applied after losing a storage (ETag) race.</summary>
    public const int MaxStorageConflictRetries = 8;

    public async Task<ProfileOutcome> Apply(ApplyEventCommand command)
    {
        // A new person is written at once: identities claimed for it point at a stored profile
        // within one call, not after a write delay (a silo that dies in between leaves them pointing
        // at a profile storage lacks, which the next event re-creates or a merge absorbs).
        var writeThrough = command.WriteThrough || WriteDelay <= TimeSpan.Zero || !S.Exists;
        if (await HandoversStillPending() is { } pending) return pending;
        for (var attempt = 0; attempt < MaxStorageConflictRetries; attempt++)
        {
            var outcome = await ApplyInMemory(command);
            if (outcome.Kind != OutcomeKind.Done) return outcome;
            // A part split off by the graph limit is handed over at once, not after the write delay.
            if (!writeThrough && S.Handovers.Count == 0)
            {
                // Acknowledged now: the event is in the log, whose marker stays until the write.
                _unwritten.Add(command);
                ScheduleWrite();
                return outcome;
            }
            if (await TryWriteState(alsoApplied: command.Event.Id)) return outcome;
        }
        return StorageConflict();
    }

    /// <summary>Applies an event to the state in memory; Done, or why it belongs elsewhere.</summary>
    private async Task<ProfileOutcome> ApplyInMemory(ApplyEventCommand command)
    {
        if (S.MergedInto is { } mergedInto) return ProfileOutcome.Redirected(mergedInto);
        if (S.SurrenderingTo is { } surrenderingTo) return ProfileOutcome.Conflicted($"profile {Id} is being merged into {surrenderingTo}");
        if ((_keptIds ??= new EventIdSet(S.Events)).Contains(command.Event.Id, S.Events))
            return ProfileOutcome.AlreadyThere(Id);
        // An identity the plan took for this profile's but missing from its graph either moved on
        // (then claiming it fails and the caller re-plans) or still points here because the write
        // that added it was lost with its silo (identities are claimed before the profile is
        // written): then it is taken again.
        if (Unheld(command.Linked, Unheld(command.Claims, null)) is { } claims)
        {
            if (!planner.Compatible(S.Graph.UniqueIdentities(rules), claims))
                return ProfileOutcome.Conflicted($"profile {Id} gained a conflicting unique identity");
            if (!await ClaimAll(claims))
                return ProfileOutcome.Conflicted("an identity was claimed by another profile");
        }

        var e = command.Event;
        var primary = command.Linked[0];
        S.Graph.Add(primary, e.Timestamp);
        for (var i = 1; i < command.Linked.Length; i++) S.Graph.Link(primary, command.Linked[i], e.Timestamp, e.Id);
        var warnings = new List<string>(command.Skipped.Length);
        foreach (var skipped in command.Skipped) warnings.Add($"{skipped.Identity}: {skipped.Reason}");
        AddEvents([e], warnings);
        EnforceGraphLimit(warnings);
        await EvaluateSegments(ProfileChange.Event(e));
        return ProfileOutcome.Done(Id, warnings);
    }

    /// <summary>Adds to <paramref name="into"/> (made when needed) the identities of <paramref name="identities"/> not in the graph.</summary>
    private HashSet<IdentityKey>? Unheld(ImmutableArray<IdentityKey> identities, HashSet<IdentityKey>? into)
    {
        foreach (var identity in identities)
            if (!S.Graph.Contains(identity)) (into ??= []).Add(identity);
        return into;
    }

    public async Task<ProfileOutcome> Absorb(string otherProfileId)
    {
        var outcome = await AbsorbOne(otherProfileId);
        if (outcome.Kind == OutcomeKind.Done && S.Confirming.Count > 0) await ConfirmInherited();
        return outcome;
    }

    private async Task<ProfileOutcome> AbsorbOne(string otherProfileId)
    {
        if (S.MergedInto is { } mergedInto) return ProfileOutcome.Redirected(mergedInto);
        if (otherProfileId == Id) return ProfileOutcome.Done(Id);
        if (string.CompareOrdinal(otherProfileId, Id) < 0)
            return ProfileOutcome.Conflicted($"merges run from the lower id to the higher one; {otherProfileId} must absorb {Id}");
        if (S.SurrenderingTo is { } surrenderingTo) return ProfileOutcome.Conflicted($"profile {Id} is being merged into {surrenderingTo}");
        if (await HandoversStillPending() is { } pending) return pending;

        // Three steps, each durable before the next, so a crash anywhere leaves a state the next
        // caller completes (StitchCoordinator follows SurrenderingTo): the other profile hands its
        // facts over but keeps them; this one takes them in and writes; identities are re-pointed;
        // only then does the other drop its copy.
        var other = GrainFactory.Profile(otherProfileId);
        var uniques = S.Graph.UniqueIdentities(rules);
        var surrendered = await other.Surrender(Id, uniques);
        // It was surrendering to a profile this one absorbed since (that merge was cut short): this one takes over.
        if (surrendered is { Kind: OutcomeKind.Conflict, SurrenderingTo: { } previous } && S.Absorbed.Contains(previous))
            surrendered = await other.Surrender(Id, uniques, takingOverFrom: previous);
        if (surrendered.Kind == OutcomeKind.Redirect && surrendered.RedirectTo == Id)
        {
            S.RemoveConfirming(otherProfileId);
            return ProfileOutcome.Done(Id);
        }
        if (surrendered.Kind != OutcomeKind.Done || surrendered.State is not { } fragment)
            return ProfileOutcome.Conflicted(surrendered.Reason ?? $"{otherProfileId} was merged into {surrendered.RedirectTo}");

        var warnings = new List<string>();
        for (var attempt = 0; !S.Absorbed.Contains(otherProfileId); attempt++)
        {
            // A lost storage race re-reads this profile and takes the facts in again on top of the
            // winner's state, never overwriting it.
            if (S.MergedInto is { } movedOn) return ProfileOutcome.Redirected(movedOn);
            if (attempt > MaxStorageConflictRetries) return StorageConflict();
            warnings.Clear();
            TakeIn(fragment, warnings);
            S.AddAbsorbed(otherProfileId);
            S.AddConfirming(otherProfileId);
            await EvaluateSegments(ProfileChange.Everything);
            if (!await TryWriteState()) continue;
            MergesCounter.Add(1);
        }
        // Identities point here only once this profile durably holds them.
        await Repoint(fragment.Graph.Identities, from: otherProfileId);
        await other.ConfirmSurrender(Id);
        // Written off with the next write; confirming again meanwhile is a no-op.
        S.RemoveConfirming(otherProfileId);

        // The graph limit last, once every identity points here, so that parts split off are
        // re-pointed from here to their new profiles.
        for (var attempt = 0; S.Graph.Count > rules.Options.MaxIdentitiesPerGraph; attempt++)
        {
            if (attempt > MaxStorageConflictRetries) return StorageConflict();
            EnforceGraphLimit(warnings);
            await EvaluateSegments(ProfileChange.Everything);
            if (await TryWriteState()) break;
        }
        logger.LogDebug("Profile {Absorber} absorbed {Other}", Id, otherProfileId);
        return ProfileOutcome.Done(Id, warnings);
    }

    /// <summary>
    /// Completes the merges this profile took in but did not confirm (it stopped in between), or inherited unconfirmed
    /// from a profile it absorbed: their identities are re-pointed here and their copies dropped. Calls go to higher
    /// ids only (each was absorbed by this profile or by one with a higher id than this one).
    /// </summary>
    private async Task ConfirmInherited()
    {
        var before = S.Confirming.Count;
        var failed = false;
        foreach (var other in S.Confirming.ToList())
        {
            try
            {
                var outcome = await AbsorbOne(other);
                if (outcome.Kind == OutcomeKind.Done || outcome.Kind == OutcomeKind.Redirect) S.RemoveConfirming(other);
                else logger.LogInformation("Profile {Profile}: the merge of {Other} is not confirmed yet ({Reason}); it is on the next activation", Id, other, outcome.Reason);
            }
            catch (Exception e)
            {
                failed = true;
                logger.LogWarning(e, "Profile {Profile}: the merge of {Other} could not be confirmed now; retrying in {Delay}", Id, other, HandoverRetryDelay);
            }
        }
        if (S.Confirming.Count < before && S.MergedInto is null) await TryWriteState();
        if (failed) ArmCompletion(HandoverRetryDelay);
    }

    public async Task<SurrenderOutcome> Surrender(string absorberId, ImmutableArray<IdentityKey> absorberUniqueIdentities, string? takingOverFrom = null)
    {
        if (S.MergedInto is { } mergedInto) return new SurrenderOutcome(OutcomeKind.Redirect, null, mergedInto, $"{Id} was merged into {mergedInto}");
        // A profile that identities point at but storage lacks (its silo died between the claims and
        // its first write) surrenders as an empty profile; its identities follow the forwarding pointer.
        if (S.SurrenderingTo is { } surrenderingTo && surrenderingTo != absorberId)
        {
            if (takingOverFrom != surrenderingTo)
                return new SurrenderOutcome(OutcomeKind.Conflict, null, null, $"profile {Id} is being merged into {surrenderingTo}", SurrenderingTo: surrenderingTo);
            // Its absorber was merged into this one before it confirmed: whatever it had taken in, this one holds
            // now. Unless this one gained a unique identity that conflicts since: then the absorber cannot have
            // taken it in (its facts would be there, with their identities), and the merge is called off.
            var compatible = planner.Compatible(absorberUniqueIdentities, S.Graph.UniqueIdentities(rules));
            S.SurrenderingTo = compatible ? absorberId : null;
            if (!await TryWriteState()) return new SurrenderOutcome(OutcomeKind.Conflict, null, null, $"profile {Id} changed in storage; plan again");
            if (!compatible)
            {
                logger.LogInformation("Profile {Profile}: merge into {Previous} called off; {Absorber}, which absorbed it, has conflicting unique identities", Id, surrenderingTo, absorberId);
                return new SurrenderOutcome(OutcomeKind.Conflict, null, null, $"profile {Id} has unique identities that conflict with {absorberId}; its merge into {surrenderingTo} is called off");
            }
            logger.LogInformation("Profile {Profile}: surrendering to {Absorber}, which absorbed {Previous} before that merge completed", Id, absorberId, surrenderingTo);
        }
        if (S.SurrenderingTo is null)
        {
            // Its own handovers are delivered first (not from here: the absorber may be their receiver).
            if (S.Handovers.Count > 0)
            {
                ArmCompletion(TimeSpan.Zero);
                return new SurrenderOutcome(OutcomeKind.Conflict, null, null, $"profile {Id} is handing part of itself over");
            }
            if (!planner.Compatible(absorberUniqueIdentities, S.Graph.UniqueIdentities(rules)))
                return new SurrenderOutcome(OutcomeKind.Conflict, null, null, $"profile {Id} has unique identities that conflict with {absorberId}");
            S.SurrenderingTo = absorberId;
            if (!await TryWriteState()) return new SurrenderOutcome(OutcomeKind.Conflict, null, null, $"profile {Id} changed in storage; plan again");
        }

        // Handed over again, unchanged, when an interrupted merge is completed.
        var fragment = new ProfileFragment
        {
            Graph = S.Graph, Events = S.Events, Traits = S.Traits, Stats = S.DroppedStats ?? new(),
            EventsDropped = S.EventsDropped, LinksDropped = S.LinksDropped,
            Received = [.. S.Received], Absorbed = [.. S.Absorbed], Confirming = [.. S.Confirming],
        };
        return new SurrenderOutcome(OutcomeKind.Done, fragment, null, null);
    }

    public async Task ConfirmSurrender(string absorberId)
    {
        for (var attempt = 0; attempt <= MaxStorageConflictRetries; attempt++)
        {
            if (S.MergedInto is not null || S.SurrenderingTo != absorberId) return;
            LeaveAllSegments();
            state.State = new ProfileState { MergedInto = absorberId };
            _stats = null;
            _keptIds = null;
            if (await TryWriteState()) return;
        }
        throw new InvalidOperationException($"profile {Id}: could not record the merge into {absorberId} under concurrent writers; it completes on the next attempt");
    }

    public async Task<ReleaseOutcome> Release(IdentityKey identity, string newOwnerId)
    {
        if (S.MergedInto is { } mergedInto) return new ReleaseOutcome(OutcomeKind.Redirect, null, mergedInto, null);
        if (S.SurrenderingTo is { } surrenderingTo) return new ReleaseOutcome(OutcomeKind.Conflict, null, null, $"profile {Id} is being merged into {surrenderingTo}");
        if (await HandoversStillPending() is { } pending) return new ReleaseOutcome(OutcomeKind.Conflict, null, null, pending.Reason);
        if (!S.Graph.Contains(identity)) return new ReleaseOutcome(OutcomeKind.Conflict, null, null, $"{identity} is not in profile {Id}");
        var split = S.Graph.Detach(identity, carryAnonymous: true, rules);
        if (split.Keep.Count == 0) return new ReleaseOutcome(OutcomeKind.Conflict, null, null, $"{identity} is all of profile {Id}");

        var moving = HandOver(S.Graph.Subgraph(split.Detached), newOwnerId);
        SpinOff(split.Others.Select(S.Graph.Subgraph).ToList());
        S.Graph.RetainOnly(split.Keep);
        _stats = null;
        await EvaluateSegments(ProfileChange.Everything);
        if (!await TryWriteState()) return new ReleaseOutcome(OutcomeKind.Conflict, null, null, $"profile {Id} changed in storage; plan again");
        logger.LogInformation("Shared device {Identity} moving from profile {From} to {To}", identity, Id, newOwnerId);
        // Delivered already by the write when the new owner has a higher id; else the caller delivers it.
        return new ReleaseOutcome(OutcomeKind.Done, S.Handovers.Contains(moving) ? moving : null, null, null);
    }

    public async Task<ProfileOutcome> Receive(string handoverId, ProfileFragment fragment)
    {
        for (var attempt = 0; attempt < MaxStorageConflictRetries; attempt++)
        {
            if (S.MergedInto is { } mergedInto) return ProfileOutcome.Redirected(mergedInto);
            // Facts moving here follow this profile's own facts to the absorber.
            if (S.SurrenderingTo is { } surrenderingTo) return ProfileOutcome.Redirected(surrenderingTo);
            if (S.Received.Contains(handoverId)) return ProfileOutcome.Done(Id);
            // Its own parts on their way out may still be pending: their identities are not in its graph, and those
            // coming in are not among them (an identity has one owner), so taking this in is safe.
            var warnings = new List<string>();
            TakeIn(fragment, warnings);
            S.AddReceived(handoverId);
            EnforceGraphLimit(warnings);
            await EvaluateSegments(ProfileChange.Everything);
            if (await TryWriteState()) return ProfileOutcome.Done(Id, warnings);
        }
        return StorageConflict();
    }

    public async Task HandedOver(string handoverId, string receiverId)
    {
        if (S.Handovers.Find(h => h.Id == handoverId) is not { } handover) return;
        await WriteOffInMemory(handover, receiverId);
        for (var attempt = 0; attempt <= MaxStorageConflictRetries; attempt++)
        {
            if (await TryWriteState()) return;
            // The state read back still lists it: written off again on top of the newer state.
            S.Handovers.RemoveAll(h => h.Id == handoverId);
        }
        throw new InvalidOperationException($"profile {Id}: the handover {handoverId} could not be written off under concurrent writers; it is delivered again, harmlessly");
    }

    public async Task<ProfileOutcome> Unlink(IdentityKey identity)
    {
        if (S.MergedInto is { } mergedInto) return ProfileOutcome.Redirected(mergedInto);
        if (S.SurrenderingTo is { } surrenderingTo) return ProfileOutcome.Conflicted($"profile {Id} is being merged into {surrenderingTo}");
        if (await HandoversStillPending() is { } pending) return pending;
        if (!S.Graph.Contains(identity)) return ProfileOutcome.Conflicted($"{identity} is not in profile {Id}");
        var split = S.Graph.Detach(identity, carryAnonymous: false, rules);
        if (split.Keep.Count == 0) return ProfileOutcome.Done(Id); // a person of one identity: nothing to unlink

        var alone = S.Graph.Subgraph(split.Detached);
        var parts = new List<IdentityGraph> { alone };
        parts.AddRange(split.Others.Select(S.Graph.Subgraph));
        var ids = SpinOff(parts);
        S.Graph.RetainOnly(split.Keep);
        _stats = null;
        await EvaluateSegments(ProfileChange.Everything);
        if (!await TryWriteState()) return ProfileOutcome.Conflicted($"profile {Id} changed in storage; try again");
        logger.LogInformation("Identity {Identity} unlinked from profile {Profile}; now in {New}", identity, Id, ids[0]);
        return ProfileOutcome.Done(ids[0]);
    }

    public async Task<ProfileOutcome> SetTraits(IdentityKey source, string traitsJson, DateTimeOffset observedAt, bool claimSource)
    {
        if (await HandoversStillPending() is { } pending) return pending;
        for (var attempt = 0; attempt < MaxStorageConflictRetries; attempt++)
        {
            if (await SetTraitsOnce(source, traitsJson, observedAt, claimSource) is { } outcome) return outcome;
        }
        return StorageConflict();
    }

    private async Task<ProfileOutcome?> SetTraitsOnce(IdentityKey source, string traitsJson, DateTimeOffset observedAt, bool claimSource)
    {
        if (S.MergedInto is { } mergedInto) return ProfileOutcome.Redirected(mergedInto);
        if (S.SurrenderingTo is { } surrenderingTo) return ProfileOutcome.Conflicted($"profile {Id} is being merged into {surrenderingTo}");
        if (!S.Graph.Contains(source))
        {
            if (!claimSource) return ProfileOutcome.Conflicted($"{source} is not in profile {Id}");
            if (!planner.Compatible(S.Graph.UniqueIdentities(rules), [source]))
                return ProfileOutcome.Conflicted($"profile {Id} already has another {source.Namespace}");
            if (!await ClaimAll([source])) return ProfileOutcome.Conflicted($"{source} was claimed by another profile");
            S.Graph.Add(source, observedAt);
        }
        if (JsonNode.Parse(traitsJson) is not JsonObject traits) throw new ArgumentException("traits: must be a JSON object");
        S.Traits.Upsert(traits, observedAt, source);
        await EvaluateSegments(ProfileChange.Traits);
        if (!await TryWriteState()) return null;
        return ProfileOutcome.Done(Id);
    }

    public Task<(ProfileView? View, string? LookIn)> GetView(ProfileViewRequest request)
    {
        if (S.MergedInto is { } mergedInto) return Task.FromResult<(ProfileView?, string?)>((null, mergedInto));
        if (!S.Exists) return Task.FromResult<(ProfileView?, string?)>((null, null));
        // Looked up by an identity this profile is handing over (its silo died before the handover completed): the
        // part is delivered now, and the reader sent where it went, rather than shown the profile it is leaving.
        if (request.LookedUpBy is { } identity && !S.Graph.Contains(identity) && S.Handovers.Exists(h => h.Fragment.Graph.Contains(identity)))
            return ViewAfterHandingOver(identity, request);
        return Task.FromResult<(ProfileView?, string?)>((View(request), null));
    }

    private async Task<(ProfileView?, string?)> ViewAfterHandingOver(IdentityKey identity, ProfileViewRequest request)
    {
        await DeliverHandovers(fromTimer: true);
        await FlushSegments();
        var owner = await Identity(identity).GetOwner();
        if (owner is not null && owner != Id) return (null, owner);
        // A part for an older profile (a lower id) is delivered from outside this turn, as profiles call only
        // upwards: the reader is sent to the person it is joining, who has it once delivered.
        if (S.Handovers.Find(h => h.Fragment.Graph.Contains(identity)) is { } pending && string.CompareOrdinal(pending.To, Id) < 0)
            return (null, pending.To);
        // A new profile that has not taken its part in yet does not exist: the reader sees this one meanwhile.
        return (View(request), null);
    }

    private ProfileView View(ProfileViewRequest request)
    {
        var now = time.GetUtcNow();
        var stats = CurrentStats();
        IEnumerable<CustomerEvent> events = S.Events;
        if (request.EventType is { } type) events = events.Where(e => e.Type == type);
        var last = Math.Max(0, request.LastEvents ?? options.Value.DefaultEventsReturned);
        var selected = events.Reverse().Take(last).ToImmutableArray();

        var view = new ProfileView(
            Id,
            [.. S.Graph.Identities.Order(Comparer<IdentityKey>.Create(rules.Compare))],
            [.. S.Graph.Links],
            S.Traits.ToJsonText(),
            selected,
            new ProfileStatsView(
                stats.EventCount,
                [.. stats.CountsByType.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)],
                stats.FirstSeen, stats.LastSeen, stats.LifetimeRevenue, stats.PurchaseCount, stats.LastPurchaseAt,
                stats.MostEngagedChannel(now)),
            S.Events.Count,
            S.EventsDropped,
            S.LinksDropped);
        return view;
    }

    /// <summary>
    /// Writes the state unless another activation of this profile (possible for a moment after a silo
    /// dies) wrote first: then the ETag check fails, the newer state is read back, the events not yet
    /// written are applied to it again, and the caller re-applies its change on top. A stale state
    /// never overwrites a newer one. Once written, the events in it are confirmed to the journal.
    /// </summary>
    private async Task<bool> TryWriteState(string? alsoApplied = null)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException e)
        {
            StorageConflictsCounter.Add(1);
            logger.LogWarning("Profile {Profile}: storage conflict ({Message}); re-reading and re-applying", Id, e.Message);
            await state.ReadStateAsync();
            _stats = null;
            _keptIds = null;
            _storedCatalogVersion = S.Segments.CatalogVersion;
            // Memberships evaluated on the state that lost the race are void; what is applied again on the
            // state read back evaluates afresh.
            DropPendingSegments();
            await ReapplyUnwritten();
            return false;
        }
        _storedCatalogVersion = S.Segments.CatalogVersion;
        IReadOnlyList<string> applied;
        if (_unwritten.Count == 0)
        {
            // Written through (the usual case in memory): the one event, without a list.
            applied = alsoApplied is null ? [] : [alsoApplied];
        }
        else
        {
            var ids = _unwritten.Select(c => c.Event.Id).ToList();
            if (alsoApplied is not null) ids.Add(alsoApplied);
            applied = ids;
        }
        _unwritten.Clear();
        _writeTimer?.Dispose();
        _writeTimer = null;
        if (applied.Count > 0) await journal.Applied(applied);
        // Parts split off go to their new owners once this profile durably holds them as pending.
        if (S.Handovers.Count > 0 && !_delivering) await DeliverHandovers();
        return true;
    }

    /// <summary>
    /// After a lost storage race: the events applied here but not written go onto the state read back.
    /// One that no longer belongs here stays unconfirmed in the log, and the recovery pass re-stitches it.
    /// </summary>
    private async Task ReapplyUnwritten()
    {
        var unwritten = _unwritten.ToList();
        _unwritten.Clear();
        foreach (var command in unwritten)
        {
            var outcome = await ApplyInMemory(command);
            if (outcome.Kind == OutcomeKind.Done) _unwritten.Add(command);
            else logger.LogWarning("Profile {Profile}: event {EventId} no longer applies here after a storage conflict ({Reason}); left to recovery", Id, command.Event.Id, outcome.Reason ?? outcome.RedirectTo);
        }
        if (_unwritten.Count > 0) ScheduleWrite();
    }

    /// <summary>Writes the events applied in memory at most <see cref="ProfileOptions.StateWriteDelay"/> after the first of them.</summary>
    private void ScheduleWrite()
    {
        if (_writeTimer is not null) return;
        _writeTimer = this.RegisterGrainTimer(WriteUnwritten, new GrainTimerCreationOptions
        {
            DueTime = WriteDelay,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = false,
            KeepAlive = true,
        });
    }

    private async Task WriteUnwritten(CancellationToken cancellationToken)
    {
        _writeTimer?.Dispose();
        _writeTimer = null;
        for (var attempt = 0; _unwritten.Count > 0 && attempt <= MaxStorageConflictRetries; attempt++)
        {
            if (await TryWriteState()) break;
        }
        // A re-read may have re-evaluated memberships: publish them as a call would.
        await FlushSegments();
    }

    /// <summary>Writes what is still unwritten before the activation goes (idle collection, shutdown, rebalancing).</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_unwritten.Count > 0)
        {
            try
            {
                await WriteUnwritten(cancellationToken);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Profile {Profile}: {Count} event(s) not written at deactivation; the recovery pass applies them again", Id, _unwritten.Count);
            }
        }
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private ProfileOutcome StorageConflict() =>
        ProfileOutcome.Conflicted($"profile {Id} kept changing in storage under concurrent writers; plan again");

    /// <summary>Stats over every event ever applied: the kept timeline plus what fell off it.</summary>
    private ProfileStats CurrentStats()
    {
        if (_stats is not null) return _stats;
        var stats = new ProfileStats();
        if (S.DroppedStats is { } dropped) stats.Merge(dropped);
        foreach (var e in S.Events) stats.Add(e);
        return _stats = stats;
    }

    private void AddEvents(IEnumerable<CustomerEvent> incoming, List<string> warnings)
    {
        var max = options.Value.MaxEventsPerProfile;
        var known = _keptIds ??= new EventIdSet(S.Events);
        var dropped = 0;
        foreach (var arrived in incoming)
        {
            if (known.Contains(arrived.Id, S.Events)) continue;
            known.Add(arrived.Id);
            // Equal identities and type texts become one object across the timeline (memory, and a
            // smaller stored state since the serializer writes a shared object once).
            var e = EventSharing.ShareWith(arrived, S.Events.Count > 0 ? S.Events[^1] : null);
            // Stats count kept and dropped events alike, so a new event adds to them whether it stays
            // on the timeline or not; recounting the timeline per event would cost O(timeline).
            _stats?.Add(e);
            var at = S.Events.Count;
            while (at > 0 && S.Events[at - 1].Timestamp > e.Timestamp) at--;
            S.Events.Insert(at, e);
            while (S.Events.Count > max)
            {
                S.DroppedStatsToUpdate().Add(S.Events[0]);
                known.Remove(S.Events[0].Id);
                S.Events.RemoveAt(0);
                S.EventsDropped++;
                dropped++;
            }
        }
        if (dropped > 0)
        {
            EventsDroppedCounter.Add(dropped);
            warnings.Add($"timeline of profile {Id} is at its limit of {max} events (ProfileGrid:Profiles:MaxEventsPerProfile); {dropped} oldest event(s) left the timeline and are counted in eventsDropped");
            logger.LogInformation("Profile {Profile} timeline at limit {Max}: {Dropped} oldest events dropped", Id, max, dropped);
        }
    }

    /// <summary>Adds a fragment's graph, facts and counters to this profile.</summary>
    private void TakeIn(ProfileFragment fragment, List<string> warnings)
    {
        S.Graph.MergeFrom(fragment.Graph);
        S.Traits.MergeFrom(fragment.Traits);
        if (fragment.Stats.EventCount > 0) S.DroppedStatsToUpdate().Merge(fragment.Stats);
        S.EventsDropped += fragment.EventsDropped;
        S.LinksDropped += fragment.LinksDropped;
        S.TakeInSets(fragment.Absorbed, fragment.Received, fragment.Confirming);
        AddEvents(fragment.Events, warnings);
    }

    /// <summary>
    /// Removes from this profile the facts that belong to the identities of <paramref name="part"/>:
    /// events whose owning (strongest) identity is in it, and traits observed through it.
    /// </summary>
    private ProfileFragment Extract(IdentityGraph part)
    {
        var members = part.Identities.ToHashSet();
        var moving = S.Events.Where(e => members.Contains(rules.Primary(e.Identities))).ToList();
        S.Events.RemoveAll(e => members.Contains(rules.Primary(e.Identities)));
        _keptIds = null;
        var traits = S.Traits.Where(members.Contains);
        S.Traits = S.Traits.Where(source => !members.Contains(source));
        _stats = null;
        return new ProfileFragment { Graph = part, Events = moving, Traits = traits };
    }

    /// <summary>Hands each part to a new profile (see <see cref="HandOver"/>); their ids, in order.</summary>
    private List<string> SpinOff(List<IdentityGraph> parts) =>
        [.. parts.Select(part => HandOver(part, ProfileIds.New()).To)];

    /// <summary>
    /// Takes a part's facts out of this profile into a pending <see cref="Handover"/> to <paramref name="to"/>. The
    /// caller takes the part out of the graph and writes; the write delivers it (<see cref="DeliverHandovers"/>).
    /// </summary>
    private Handover HandOver(IdentityGraph part, string to)
    {
        var handover = new Handover(Guid.NewGuid().ToString("N"), to, Extract(part));
        S.Handovers.Add(handover);
        return handover;
    }

    /// <summary>
    /// Delivers the pending handovers, each in three steps that can be repeated: the receiver takes the part in
    /// and writes (once, by handover id; following it when it was merged away), the part's identities are
    /// re-pointed from here to it, and this profile writes the handover off. Until then the identities still
    /// point here, so the next call or lookup activates this profile, which delivers them again. From within a
    /// turn of this profile only to receivers with a higher id: calls between profiles go from the lower id to the
    /// higher one, so two profiles never wait on each other. A part for a lower id is delivered by the caller that
    /// asked for it (<see cref="Release"/>) or, from the retry timer, outside this profile's turn
    /// (<see cref="DeliverOutsideTurn"/>). False when some are still pending (a retry is armed).
    /// </summary>
    private async Task<bool> DeliverHandovers(bool fromTimer = false)
    {
        if (_delivering || S.Handovers.Count == 0) return S.Handovers.Count == 0;
        _delivering = true;
        var pendingAtStart = S.Handovers.Count;
        try
        {
            foreach (var handover in S.Handovers.ToList())
            {
                if (fromTimer && string.CompareOrdinal(handover.To, Id) < 0)
                {
                    DeliverOutsideTurn(handover);
                    continue;
                }
                var received = await Handovers.Deliver(GrainFactory, handover, onlyAbove: Id);
                if (received.Kind != OutcomeKind.Done)
                {
                    logger.LogInformation("Profile {Profile}: handover to {To} not taken in yet ({Reason}); retrying in {Delay}", Id, handover.To, received.Reason, HandoverRetryDelay);
                    continue;
                }
                await WriteOffInMemory(handover, received.ProfileId!);
            }
            if (S.Handovers.Count < pendingAtStart)
            {
                for (var attempt = 0; attempt <= MaxStorageConflictRetries && !await TryWriteState(); attempt++) { }
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Profile {Profile}: {Count} handover(s) not delivered; retrying in {Delay}", Id, S.Handovers.Count, HandoverRetryDelay);
        }
        finally
        {
            _delivering = false;
        }
        if (S.Handovers.Count == 0) return true;
        ArmCompletion(HandoverRetryDelay);
        return false;
    }

    /// <summary>The part is in <paramref name="receiverId"/>: its identities point there, and the handover goes (written with the next write).</summary>
    private async Task WriteOffInMemory(Handover handover, string receiverId)
    {
        await Task.WhenAll(handover.Fragment.Graph.Identities.Select(i => RepointLeaving(i, receiverId)));
        S.Handovers.Remove(handover);
        logger.LogInformation("Profile {Profile}: handed {Identities} identities and {Events} events over to {To}", Id, handover.Fragment.Graph.Count, handover.Fragment.Events.Count, receiverId);
    }

    /// <summary>
    /// Delivers a part to a lower id as a caller outside any grain's turn would (the coordinator does the same for a
    /// shared device): the receiver takes it in, then <see cref="HandedOver"/> writes it off here, as a call of its
    /// own. Repeating it is harmless.
    /// </summary>
    private void DeliverOutsideTurn(Handover handover)
    {
        var grains = GrainFactory;
        var self = Id;
        _ = Task.Run(async () =>
        {
            try
            {
                var received = await Handovers.DeliverAndWriteOff(grains, self, handover);
                if (received.Kind != OutcomeKind.Done) logger.LogInformation("Profile {Profile}: handover to {To} not taken in yet ({Reason})", self, handover.To, received.Reason);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Profile {Profile}: handover to {To} failed; the retry timer tries again", self, handover.To);
            }
        });
    }

    /// <summary>
    /// Null when nothing is pending (delivered now if it was): a change that reads the graph may go ahead. Else
    /// a conflict, so that the caller re-plans once the part has reached its new owner; an identity still
    /// pointing here on its way out must not be taken back in.
    /// </summary>
    private async Task<ProfileOutcome?> HandoversStillPending() =>
        S.Handovers.Count == 0 || await DeliverHandovers()
            ? null
            : ProfileOutcome.Conflicted($"profile {Id} is still handing part of itself over; try again");

    private void ArmCompletion(TimeSpan dueTime)
    {
        if (_completion is not null) return;
        _completion = this.RegisterGrainTimer(async _ =>
        {
            _completion?.Dispose();
            _completion = null;
            await DeliverHandovers(fromTimer: true);
            if (S.Confirming.Count > 0 && S.MergedInto is null && S.SurrenderingTo is null) await ConfirmInherited();
            // A storage conflict while writing them off may have re-evaluated memberships.
            await FlushSegments();
        }, new GrainTimerCreationOptions { DueTime = dueTime, Period = Timeout.InfiniteTimeSpan, Interleave = false, KeepAlive = true });
    }

    private void EnforceGraphLimit(List<string> warnings)
    {
        var max = rules.Options.MaxIdentitiesPerGraph;
        if (S.Graph.Count <= max) return;
        var (dropped, spunOff) = S.Graph.EnforceLimit(max, rules);
        S.LinksDropped += dropped.Count;
        LinksDroppedCounter.Add(dropped.Count);
        foreach (var link in dropped)
            warnings.Add($"identity graph of profile {Id} reached its limit of {max} identities (ProfileGrid:Identity:MaxIdentitiesPerGraph); dropped the oldest link {link.From} - {link.To} from event {link.SourceEventId}");
        logger.LogWarning("Profile {Profile} identity graph over {Max}: dropped {Count} oldest link(s), split off {Parts} part(s)", Id, max, dropped.Count, spunOff.Count);
        SpinOff(spunOff);
    }

    private async Task<bool> ClaimAll(IReadOnlyCollection<IdentityKey> claims)
    {
        if (claims.Count == 0) return true;
        var identities = claims.ToList();
        var before = await Task.WhenAll(identities.Select(i => Identity(i).CompareAndSetOwner(null, Id)));
        if (before.All(o => o is null || o == Id)) return true;
        // Someone else won a race for one of them: give back only what this call took, and let the caller re-plan.
        await Task.WhenAll(identities.Where((_, n) => before[n] is null).Select(i => Identity(i).CompareAndSetOwner(Id, null)));
        return false;
    }

    private Task Repoint(IEnumerable<IdentityKey> identities, string from, string? to = null) =>
        Task.WhenAll(identities.Select(i => Identity(i).CompareAndSetOwner(from, to ?? Id)));

    /// <summary>
    /// Points an identity leaving this profile at <paramref name="receiverId"/>. It may still point at a profile this
    /// one took in without confirming (the merge stopped before its identities were re-pointed): it is moved from
    /// there, or the confirmation, re-pointing that profile's identities here, would take it back from its new owner.
    /// </summary>
    private async Task RepointLeaving(IdentityKey identity, string receiverId)
    {
        var owner = await Identity(identity).CompareAndSetOwner(Id, receiverId);
        if (owner is not null && owner != Id && owner != receiverId && S.Confirming.Contains(owner))
            await Identity(identity).CompareAndSetOwner(owner, receiverId);
    }

    private IIdentityGrain Identity(IdentityKey key) => GrainFactory.Identity(key);
}
