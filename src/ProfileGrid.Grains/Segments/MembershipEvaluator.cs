namespace ProfileGrid.Segments;

/// <summary>What one evaluation pass changed.</summary>
/// <param name="Changes">Entered / exited, in sequence order.</param>
/// <param name="Reasserted">Segments (re)defined since the last pass that the person is still in: their audiences are told again, idempotently.</param>
public sealed record MembershipDelta(List<SegmentMembershipChange> Changes, List<string> Reasserted)
{
    public static MembershipDelta None() => new([], []);
    public bool IsEmpty => Changes.Count == 0 && Reasserted.Count == 0;

    /// <summary>
    /// Whether the pass changed the stored memberships beyond the catalogue version they reflect: a membership,
    /// a window to watch, an entry made or forgotten. A pass that changed nothing else need not be written: the
    /// segments it evaluated are evaluated again, with the same result, on the next pass.
    /// </summary>
    public bool StateChanged { get; set; }

    /// <summary>
    /// Appends a later pass. A pass that re-ran after a lost storage race starts again from the stored sequence:
    /// its changes replace the unwritten ones with the same or higher sequence numbers.
    /// </summary>
    public void Add(MembershipDelta other)
    {
        if (other.Changes.Count > 0)
        {
            var first = other.Changes[0].Sequence;
            Changes.RemoveAll(c => c.Sequence >= first);
        }
        Changes.AddRange(other.Changes);
        StateChanged |= other.StateChanged;
        foreach (var id in other.Reasserted)
            if (!Reasserted.Contains(id)) Reasserted.Add(id);
    }
}

/// <summary>
/// Brings a profile's memberships up to date with one change. Evaluates, in the catalogue's order, every
/// segment that the change can affect (by <see cref="SegmentDependencies"/>), that was defined since the last
/// pass, whose time window is due, or that references a segment whose membership just changed; so a person is
/// never left in contradictory segments.
/// </summary>
public static class MembershipEvaluator
{
    public static MembershipDelta Evaluate(
        string profileId, ProfileSegmentState state, LoadedCatalog catalog, ISegmentSubject subject,
        ProfileChange change, bool identitiesChanged, DateTimeOffset now)
    {
        var delta = MembershipDelta.None();
        var ordered = catalog.Ordered;
        var affected = catalog.Affected(change, identitiesChanged);
        // Segments referencing one whose membership flipped in this pass (set on the first flip).
        bool[]? referencesFlipped = null;
        var due = state.NextTimeCheck() is { } earliest && earliest <= now ? DueSegments(state, now) : null;
        for (var i = 0; i < ordered.Length; i++)
        {
            var (id, segment, revision) = ordered[i];
            var redefined = revision > state.CatalogVersion;
            if (!affected[i] && !redefined && (referencesFlipped is null || !referencesFlipped[i]) && (due is null || !due.Contains(id))) continue;

            state.Entries.TryGetValue(id, out var entry);
            var result = segment.EvaluateWithNextChange(subject, now);
            var wasMember = entry?.Status == MembershipStatus.Realized;
            if (result.IsMember != wasMember)
            {
                entry ??= state.Entries[id] = new MembershipEntry();
                entry.Status = result.IsMember ? MembershipStatus.Realized : MembershipStatus.Exited;
                entry.Since = now;
                foreach (var dependent in catalog.Dependents[i]) (referencesFlipped ??= new bool[ordered.Length])[dependent] = true;
                delta.Changes.Add(new SegmentMembershipChange(
                    id, profileId, result.IsMember ? MembershipChangeStatus.Entered : MembershipChangeStatus.Exited, now, ++state.Sequence));
            }
            else if (redefined && result.IsMember)
            {
                delta.Reasserted.Add(id);
            }

            if (entry is not null)
            {
                if (entry.NextChange != result.NextTimeChange)
                {
                    delta.StateChanged = true;
                    entry.NextChange = result.NextTimeChange;
                    state.NextChangesChanged();
                }
                if (entry is { Status: null, NextChange: null }) state.Entries.Remove(id);
            }
            else if (result.NextTimeChange is { } at)
            {
                state.Entries[id] = new MembershipEntry { NextChange = at };
                state.NextChangesChanged();
                delta.StateChanged = true;
            }
        }
        if (delta.Changes.Count > 0) delta.StateChanged = true;

        // Deleted segments: forget them (their audiences were cleared by the registry). Every definition and
        // deletion moves the catalogue's version, and entries are only made for segments of the catalogue in
        // force, so a state already at this version has none to forget.
        if (catalog.Version > state.CatalogVersion)
        {
            List<string>? gone = null;
            foreach (var id in state.Entries.Keys)
                if (!catalog.Catalog.Contains(id)) (gone ??= []).Add(id);
            if (gone is not null)
            {
                foreach (var id in gone) state.Entries.Remove(id);
                state.NextChangesChanged();
                delta.StateChanged = true;
            }
        }
        state.CatalogVersion = Math.Max(state.CatalogVersion, catalog.Version);
        return delta;
    }

    /// <summary>The segments whose time window has moved by <paramref name="now"/>, or null when none has (the usual case).</summary>
    private static HashSet<string>? DueSegments(ProfileSegmentState state, DateTimeOffset now)
    {
        HashSet<string>? due = null;
        foreach (var (id, entry) in state.Entries)
            if (entry.NextChange is { } next && next <= now) (due ??= new HashSet<string>(StringComparer.Ordinal)).Add(id);
        return due;
    }

    /// <summary>The profile was merged away: it leaves every segment it was in.</summary>
    public static MembershipDelta LeaveAll(string profileId, ProfileSegmentState state, DateTimeOffset now)
    {
        var delta = MembershipDelta.None();
        foreach (var (id, entry) in state.Entries.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (entry.Status != MembershipStatus.Realized) continue;
            entry.Status = MembershipStatus.Exited;
            entry.Since = now;
            delta.Changes.Add(new SegmentMembershipChange(id, profileId, MembershipChangeStatus.Exited, now, ++state.Sequence));
        }
        foreach (var entry in state.Entries.Values) entry.NextChange = null;
        state.NextChangesChanged();
        return delta;
    }
}
