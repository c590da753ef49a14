using ProfileGrid.Hosting;
using ProfileGrid.Storage;

namespace ProfileGrid.Ingestion;

/// <summary>The result of stitching one event or trait observation.</summary>
/// <param name="AlreadyApplied">The event was on its profile already: a re-send, answered as a duplicate.</param>
public sealed record StitchResult(bool Succeeded, string? ProfileId, IReadOnlyList<string> Warnings, string? Error, bool AlreadyApplied = false);

/// <summary>
/// Runs the stitching protocol for one event: read where its identities point, let
/// <see cref="StitchPlanner"/> decide, then carry the plan out through the profile grains. Every step
/// is checked by the grain that owns the data; when the world changed in between (another writer won a
/// race) the grain answers Conflict or Redirect and the plan is made again from fresh facts.
/// </summary>
public sealed class StitchCoordinator(IGrainFactory grains, StitchPlanner planner, OwnerCache cache, ILogger<StitchCoordinator> logger)
{
    /// <summary>Plans made for one event before it is reported as failed; each retry follows real progress by others.</summary>
    public const int MaxAttempts = 200;

    /// <param name="newIdentities">
    /// Identities of the event that the journal had no record of before it: on the first plan their grains start
    /// empty instead of reading storage (<see cref="NewGrain"/>). Being wrong costs a storage conflict and a re-plan.
    /// </param>
    public async Task<StitchResult> Stitch(CustomerEvent e, bool writeThrough = false, ImmutableArray<IdentityKey> newIdentities = default)
    {
        string? lastReason = null;
        var ordered = planner.Order(e.Identities);
        if (CachedOwner(ordered) is { } known)
        {
            // Fast path: the whole event belongs to one known person. The profile verifies it.
            var fast = await Profile(known).Apply(new ApplyEventCommand(e, ordered, [], [], writeThrough));
            if (fast.Kind == OutcomeKind.Done)
                return new StitchResult(true, fast.ProfileId, fast.Warnings.IsDefault ? [] : fast.Warnings, null, fast.AlreadyApplied);
            cache.Forget(ordered);
        }
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (attempt > 0) await Backoff(attempt);
            var owners = await ResolveOwners(e.Identities, followMerges: attempt > 0, attempt == 0 ? newIdentities : default);
            var distinct = owners.Values.OfType<string>().Distinct().ToList();

            ProfileOutcome outcome;
            if (distinct.Count == 1 && owners.Values.All(o => o is not null))
            {
                // Every identity already belongs to the same person.
                outcome = await Profile(distinct[0]).Apply(new ApplyEventCommand(e, ordered, [], [], writeThrough));
            }
            else
            {
                var summaries = await Summaries(distinct);
                var plan = planner.Plan(e.Identities, owners, summaries.Values.ToDictionary(
                    x => x.ProfileId, x => new ProfileIdentitySummary(x.ProfileId, x.UniqueIdentities), StringComparer.Ordinal));
                var target = plan.TargetProfileId ?? ProfileIds.New();
                using (NewGrain.Minted(Profile(target), minted: plan.TargetProfileId is null))
                {
                    var ready = await Prepare(plan, target);
                    if (ready is not null) { lastReason = ready; continue; }
                    outcome = await Profile(target).Apply(new ApplyEventCommand(e, plan.Linked, plan.Claims, plan.Skipped, writeThrough));
                }
            }
            if (outcome.Kind == OutcomeKind.Done)
            {
                if (outcome.Warnings.IsDefaultOrEmpty) cache.Remember(ordered, outcome.ProfileId!);
                return new StitchResult(true, outcome.ProfileId, outcome.Warnings.IsDefault ? [] : outcome.Warnings, null, outcome.AlreadyApplied);
            }
            lastReason = outcome.Reason ?? $"redirected to {outcome.RedirectTo}";
        }
        logger.LogError("Event {EventId} could not be stitched after {Attempts} attempts: {Reason}", e.Id, MaxAttempts, lastReason);
        return new StitchResult(false, null, [], $"could not be stitched after {MaxAttempts} attempts under contention ({lastReason}); send it again");
    }

    /// <summary>The one profile all identities were last seen in, or null.</summary>
    private string? CachedOwner(ImmutableArray<IdentityKey> identities)
    {
        string? owner = null;
        foreach (var identity in identities)
        {
            if (!cache.TryGet(identity, out var cached) || (owner is not null && owner != cached)) return null;
            owner = cached;
        }
        return owner;
    }

    /// <summary>The identity an event belongs to: events sharing it are applied in order.</summary>
    public IdentityKey PrimaryOf(CustomerEvent e) => planner.Primary(e.Identities);

    /// <summary>Upserts traits on the person an identity belongs to, creating the person when the identity is new.</summary>
    public async Task<StitchResult> SetTraits(IdentityKey identity, string traitsJson, DateTimeOffset observedAt)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (attempt > 0) await Backoff(attempt);
            var owner = await FollowMerges(await Identity(identity).GetOwner());
            var target = owner ?? ProfileIds.New();
            ProfileOutcome outcome;
            using (NewGrain.Minted(Profile(target), minted: owner is null))
                outcome = await Profile(target).SetTraits(identity, traitsJson, observedAt, claimSource: owner is null);
            if (outcome.Kind == OutcomeKind.Done) return new StitchResult(true, outcome.ProfileId, [], null);
        }
        return new StitchResult(false, null, [], "traits could not be applied under contention; send them again");
    }

    /// <summary>Removes an identity's links. Returns null when no profile holds the identity.</summary>
    public async Task<string?> Unlink(IdentityKey identity)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (attempt > 0) await Backoff(attempt);
            var owner = await FollowMerges(await Identity(identity).GetOwner());
            if (owner is null) return null;
            var outcome = await Profile(owner).Unlink(identity);
            if (outcome.Kind == OutcomeKind.Done) return outcome.ProfileId;
        }
        throw new InvalidOperationException($"{identity} could not be unlinked under contention; try again");
    }

    /// <summary>Resolves the profile an identity belongs to now (following merges); null when unknown.</summary>
    public async Task<string?> ResolveProfile(IdentityKey identity) =>
        await FollowMerges(await Identity(identity).GetOwner());

    /// <summary>Runs the merges and device moves of a plan. Returns null when done, else why to re-plan.</summary>
    private async Task<string?> Prepare(StitchPlan plan, string target)
    {
        foreach (var other in plan.Merges)
        {
            var merged = await Profile(target).Absorb(other);
            if (merged.Kind != OutcomeKind.Done) return merged.Reason ?? "merge redirected";
        }
        foreach (var relink in plan.Relinks)
        {
            // Recorded on the releasing profile before anything moves. Its own write delivers it to a higher id;
            // to a lower one it is delivered from here, since a profile calls only higher ids within its turn (a
            // crash in between leaves the releasing profile to deliver it from outside its turn).
            var released = await Profile(relink.FromProfileId).Release(relink.Identity, target);
            if (released.Kind != OutcomeKind.Done) return released.Reason ?? "release redirected";
            if (released.Handover is not { } handover) continue; // delivered by the releasing profile's own write
            ProfileOutcome received;
            try
            {
                received = await Handovers.DeliverAndWriteOff(grains, relink.FromProfileId, handover);
            }
            catch (Exception e)
            {
                // Recorded, so nothing is lost: the releasing profile delivers it, and the plan is made again.
                logger.LogWarning(e, "Handover {Handover} to {To} failed; the releasing profile {From} retries it", handover.Id, handover.To, relink.FromProfileId);
                return $"the device's new owner {handover.To} could not be reached ({e.Message})";
            }
            if (received.Kind != OutcomeKind.Done) return received.Reason ?? "the device's new owner could not take it in";
        }
        return null;
    }

    private async Task<Dictionary<IdentityKey, string?>> ResolveOwners(ImmutableArray<IdentityKey> identities, bool followMerges, ImmutableArray<IdentityKey> newIdentities)
    {
        var owners = await Task.WhenAll(identities.Select(async i =>
        {
            string? owner;
            using (NewGrain.Minted(Identity(i), minted: !newIdentities.IsDefaultOrEmpty && newIdentities.Contains(i)))
                owner = await Identity(i).GetOwner();
            if (!followMerges) return owner;
            var current = await FollowMerges(owner);
            // A pointer left at a merged-away profile (its absorber re-points only the identities it
            // received, and a profile whose writes were lost hands over none) moves to the absorber,
            // which then takes the identity in when the event is applied.
            if (current is not null && owner is not null && current != owner) await Identity(i).CompareAndSetOwner(owner, current);
            return current;
        }));
        var result = new Dictionary<IdentityKey, string?>(identities.Length);
        for (var i = 0; i < identities.Length; i++) result[identities[i]] = owners[i];
        return result;
    }

    private async Task<Dictionary<string, ProfileSummary>> Summaries(List<string> profileIds)
    {
        var summaries = await Task.WhenAll(profileIds.Select(id => Profile(id).GetSummary()));
        return summaries.ToDictionary(s => s.ProfileId, StringComparer.Ordinal);
    }

    /// <summary>
    /// An identity may briefly point at a profile that was just merged away; follow the forwarding
    /// pointers. A profile still surrendering to its absorber is a merge that was cut short (its
    /// absorber's silo died) or is running now: complete it (idempotent) and follow it.
    /// </summary>
    private async Task<string?> FollowMerges(string? profileId)
    {
        for (var hop = 0; profileId is not null && hop < 64; hop++)
        {
            var summary = await Profile(profileId).GetSummary();
            if (summary.MergedInto is { } mergedInto) { profileId = mergedInto; continue; }
            if (summary.SurrenderingTo is not { } absorber) return profileId;
            var completed = await Profile(absorber).Absorb(profileId);
            // The absorber was itself merged away before it completed: its absorber takes the merge over.
            for (var next = 0; completed.Kind == OutcomeKind.Redirect && next < 64; next++)
            {
                absorber = completed.RedirectTo!;
                completed = await Profile(absorber).Absorb(profileId);
            }
            if (completed.Kind != OutcomeKind.Done) return profileId;
            profileId = absorber;
        }
        return profileId;
    }

    private static Task Backoff(int attempt) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Min(50, 1 << Math.Min(attempt, 6)))));

    private IProfileGrain Profile(string id) => grains.Profile(id);
    private IIdentityGrain Identity(IdentityKey key) => grains.Identity(key);
}
