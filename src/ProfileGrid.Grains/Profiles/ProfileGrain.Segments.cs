using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProfileGrid.Hosting;
using ProfileGrid.Segments;

namespace ProfileGrid.Profiles;

/// <summary>
/// The segment side of the profile grain. Every changing method calls <see cref="EvaluateSegments"/> (or
/// <see cref="LeaveAllSegments"/> when merged away) just before it writes its state, so the new memberships are
/// stored in the same write as the change (and a time reminder it needs is armed before that write); once the call
/// has written, <see cref="Invoke"/> hands the changes to the audiences and the <see cref="ISegmentChangePublisher"/>,
/// in sequence order, before the caller gets its answer (also when the call then fails: see <see cref="Invoke"/>).
/// A batch walk's <see cref="RefreshSegments"/> writes only when the evaluation changed more than the catalogue version.
/// </summary>
public sealed partial class ProfileGrain : IProfileSegmentsGrain, IRemindable, IIncomingGrainCallFilter
{
    private const string SegmentReminderName = "segments-time";
    private static readonly TimeSpan LongestReminderWait = TimeSpan.FromDays(30);
    private static readonly TimeSpan ReminderRetryDelay = TimeSpan.FromSeconds(5);
    /// <summary>
    /// The armed reminder's period, after its first tick: only a backstop, since every tick re-arms the reminder for the
    /// next check or unregisters it. A tick the reminder service takes for missed (its periodic re-read of the table can
    /// land between a tick's time and its firing) comes again one period later, so the period bounds how late a window
    /// can flip; a minute is the shortest Orleans allows by default (<c>ReminderOptions.MinimumReminderPeriod</c>).
    /// </summary>
    private static readonly TimeSpan ReminderBackstopPeriod = TimeSpan.FromMinutes(1);
    private MembershipDelta? _pendingSegments;
    private bool _segmentsEvaluated;
    private bool _leaveDirectory;
    private ProfileSegmentSubject? _segmentSubject;
    private IGrainTimer? _reminderRetry;
    /// <summary>Whether this activation has served anything but a batch walk's <see cref="RefreshSegments"/>.</summary>
    private bool _servedOtherCalls;
    /// <summary>Whether an evaluation since this was last reset changed the state beyond the catalogue version it reflects.</summary>
    private bool _evaluationChangedState;
    /// <summary>The catalogue version of the memberships as last read or written (the state in memory may be ahead).</summary>
    private long _storedCatalogVersion;
    /// <summary>How many catalogue revisions a batch walk may leave unwritten on a profile it did not otherwise change.</summary>
    public const long MaxUnwrittenCatalogRevisions = 32;

    private SegmentCatalogCache? _catalogCache;
    private SegmentCatalogCache CatalogCache => _catalogCache ??= ServiceProvider.GetRequiredService<SegmentCatalogCache>();
    private SegmentOptions SegmentSettings => ServiceProvider.GetRequiredService<IOptions<SegmentOptions>>().Value;

    public Task<(ImmutableArray<SegmentMembership> Memberships, string? MergedInto)> GetSegments()
    {
        if (S.MergedInto is { } mergedInto) return Task.FromResult((ImmutableArray<SegmentMembership>.Empty, (string?)mergedInto));
        return GetSegmentsCore();

        async Task<(ImmutableArray<SegmentMembership>, string?)> GetSegmentsCore()
        {
            var catalog = await CatalogCache.Get();
            var memberships = S.Segments.Entries
                .Where(kv => kv.Value.Status is not null && catalog.Catalog.Contains(kv.Key))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new SegmentMembership(kv.Key, kv.Value.Status!.Value, kv.Value.Since))
                .ToImmutableArray();
            return (memberships, null);
        }
    }

    public async Task<(ProfileSegmentExplanation? Explanation, string? MergedInto)> ExplainSegment(string segmentId)
    {
        if (S.MergedInto is { } mergedInto) return (null, mergedInto);
        if (!S.Exists) return (null, null);
        var catalog = await CatalogCache.Get();
        if (!catalog.Catalog.TryGetSegment(segmentId, out var segment)) return (null, null);
        var now = time.GetUtcNow();
        var explanation = segment.Explain(Subject(now), now);
        return (new ProfileSegmentExplanation(segmentId, Id, explanation.Result,
            [.. explanation.Conditions.Select(c => new SegmentConditionOutcome(c.Source, c.Line, c.Column, c.Value, c.Held, c.Negated))],
            now), null);
    }

    public async Task RefreshSegments(long catalogVersion)
    {
        // A profile woken only by a batch walk goes back to sleep once evaluated, so that evaluating a
        // segment over every profile does not leave every profile in memory.
        if (!_servedOtherCalls) this.DeactivateOnIdle();
        if (S.MergedInto is not null || !S.Exists) return;
        var catalog = await CatalogCache.AtLeast(catalogVersion);
        if (catalog.Version <= S.Segments.CatalogVersion) return;
        // Most profiles are not in a new segment and have no window of it to watch: then the pass changed
        // nothing but the catalogue version, and is not written (over PostgreSQL, a write per profile would be
        // most of a walk's cost). The segments defined since the stored version are evaluated again on the
        // profile's next pass, so a profile written that many revisions ago is written anyway.
        _evaluationChangedState = false;
        await EvaluateSegments(ProfileChange.Time);
        if (_evaluationChangedState || catalog.Version - _storedCatalogVersion >= MaxUnwrittenCatalogRevisions)
        {
            if (!await TryWriteState()) await EvaluateAndWrite(ProfileChange.Time);
        }
        await FlushSegments();
    }

    public async Task<DateTimeOffset?> CheckSegmentTime()
    {
        if (S.MergedInto is not null || !S.Exists) return null;
        await EvaluateAndWrite(ProfileChange.Time);
        await FlushSegments();
        return S.Segments.NextTimeCheck();
    }

    /// <summary>Re-evaluates and writes, again on top of the newer state after a lost storage race.</summary>
    private async Task EvaluateAndWrite(ProfileChange change)
    {
        for (var attempt = 0; attempt <= MaxStorageConflictRetries; attempt++)
        {
            await EvaluateSegments(change);
            if (await TryWriteState()) return;
        }
        throw new InvalidOperationException($"profile {Id}: segments could not be written under concurrent writers; the next check retries");
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != SegmentReminderName) return;
        // This one has fired (its next tick is a backstop period on): CheckSegmentTime arms the next
        // check, or, with nothing left to check, writes that no reminder is armed before it is unregistered.
        S.Segments.ReminderDue = null;
        if (await CheckSegmentTime() is null)
        {
            try
            {
                if (await this.GetReminder(SegmentReminderName) is { } reminder) await this.UnregisterReminder(reminder);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Profile {Profile}: could not unregister its segment time reminder", Id);
            }
        }
    }

    /// <summary>After a call has written its state: publish what it changed, before the caller is answered.</summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        // The request's own method name: ImplementationMethod maps it through two lookups keyed by reflection
        // objects on every call (measured at several per cent of a busy silo's time).
        if (context.Request.GetMethodName() != nameof(RefreshSegments)) _servedOtherCalls = true;
        try
        {
            await context.Invoke();
        }
        catch
        {
            // What a failed call evaluated is still this profile's state: in memory, and in storage too when the
            // call failed after writing (a merge whose re-pointing then failed). Its memberships would not be
            // evaluated as new again, so they are published now. (A state replaced by a re-read after a lost
            // storage race dropped its own evaluation already.) One whose state is then lost with the silo is
            // evaluated and published again when its events are applied again, with the same sequence.
            try
            {
                await FlushSegments();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Profile {Profile}: memberships evaluated by a failed call could not be published", Id);
            }
            throw;
        }
        await FlushSegments();
    }

    /// <summary>Re-evaluates the segments <paramref name="change"/> can affect; call just before the state is written.</summary>
    private async Task EvaluateSegments(ProfileChange change)
    {
        if (S.MergedInto is not null || !S.Exists) return;
        var memberships = S.Segments;
        if (!memberships.InDirectory)
        {
            // Before the write: a profile that exists is always in the directory, so batch evaluation reaches it.
            await GrainFactory.Directory(SegmentShards.Of(Id, SegmentSettings.DirectoryShards)).Register(Id);
            memberships.InDirectory = true;
            _evaluationChangedState = true;
        }
        var catalog = await CatalogCache.Get();
        if (catalog.Version < memberships.CatalogVersion) catalog = await CatalogCache.AtLeast(memberships.CatalogVersion);
        if (S.EventsDropped != memberships.EventsDroppedSeen || S.LinksDropped != memberships.LinksDroppedSeen)
        {
            change = ProfileChange.Everything;
            _evaluationChangedState = true;
        }
        var identitiesChanged = S.Graph.Count != memberships.IdentitiesSeen;
        if (identitiesChanged) _evaluationChangedState = true;
        memberships.EventsDroppedSeen = S.EventsDropped;
        memberships.LinksDroppedSeen = S.LinksDropped;
        memberships.IdentitiesSeen = S.Graph.Count;

        var now = time.GetUtcNow();
        var delta = MembershipEvaluator.Evaluate(Id, memberships, catalog, Subject(now), change, identitiesChanged, now);
        (_pendingSegments ??= MembershipDelta.None()).Add(delta);
        _segmentsEvaluated = true;
        _evaluationChangedState |= delta.StateChanged;
        // Before the write, so that the reminder time it stores is armed already.
        if (await ArmSegmentReminder()) _evaluationChangedState = true;
    }

    /// <summary>Forgets memberships evaluated but not yet published (their state was not stored).</summary>
    private void DropPendingSegments()
    {
        _pendingSegments = null;
        _segmentsEvaluated = false;
        _leaveDirectory = false;
    }

    /// <summary>This profile is being merged away: it exits every segment. Call before its state is replaced.</summary>
    private void LeaveAllSegments()
    {
        var delta = MembershipEvaluator.LeaveAll(Id, S.Segments, time.GetUtcNow());
        (_pendingSegments ??= MembershipDelta.None()).Add(delta);
        _leaveDirectory = S.Segments.InDirectory;
        _segmentsEvaluated = true;
    }

    private ProfileSegmentSubject Subject(DateTimeOffset now) =>
        (_segmentSubject ??= new ProfileSegmentSubject()).Reset(S, CurrentStats(), now);

    private async Task FlushSegments()
    {
        if (!_segmentsEvaluated) return;
        var delta = _pendingSegments ?? MembershipDelta.None();
        var leave = _leaveDirectory;
        _pendingSegments = null;
        _segmentsEvaluated = false;
        _leaveDirectory = false;

        if (!delta.IsEmpty)
        {
            var changes = ImmutableArray.CreateBuilder<AudienceChange>(delta.Reasserted.Count + delta.Changes.Count);
            foreach (var id in delta.Reasserted) changes.Add(new AudienceChange(id, Id, Entered: true));
            foreach (var change in delta.Changes) changes.Add(new AudienceChange(change.SegmentId, Id, change.Status == MembershipChangeStatus.Entered));
            await GrainFactory.AudienceShard(SegmentShards.Of(Id, SegmentSettings.AudienceShards)).Apply(changes.DrainToImmutable());
            if (delta.Changes.Count > 0) await ServiceProvider.GetRequiredService<ISegmentChangePublisher>().Publish(delta.Changes);
        }
        if (leave)
            await GrainFactory.Directory(SegmentShards.Of(Id, SegmentSettings.DirectoryShards)).Unregister(Id);
    }

    /// <summary>
    /// Arms the durable reminder for the earliest window that may flip, unless the one armed (as stored in the state,
    /// so also by an earlier activation) fires by then. It is only moved earlier while it is still to fire: one that
    /// fires early finds nothing due and arms the next, so neither a busy profile nor one woken from storage (by a
    /// segment's evaluation over every profile) rewrites its reminder. The time is set in the state once armed; the
    /// caller writes it.
    /// </summary>
    /// <returns>Whether a reminder was armed (and its time set in the state).</returns>
    private async Task<bool> ArmSegmentReminder()
    {
        var memberships = S.Segments;
        var next = S.MergedInto is null ? memberships.NextTimeCheck() : null;
        var now = time.GetUtcNow();
        if (next is null || memberships.ReminderCovers(next.Value, now)) return false;
        var wait = next.Value - now;
        if (wait < TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
        if (wait > LongestReminderWait) wait = LongestReminderWait;
        try
        {
            await this.RegisterOrUpdateReminder(SegmentReminderName, wait, ReminderBackstopPeriod);
            memberships.ReminderDue = now + wait;
            return true;
        }
        catch (Exception e)
        {
            // Nobody may call this profile again: try again shortly rather than leave the window to the
            // old reminder's next period. (The state keeps its earlier reminder time, which is still true.)
            logger.LogWarning(e, "Profile {Profile}: could not arm its segment time reminder for {At}; trying again in {Delay}", Id, next, ReminderRetryDelay);
            _reminderRetry?.Dispose();
            _reminderRetry = this.RegisterGrainTimer(
                () => ArmSegmentReminder(),
                new GrainTimerCreationOptions { DueTime = ReminderRetryDelay, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
            return false;
        }
    }
}
