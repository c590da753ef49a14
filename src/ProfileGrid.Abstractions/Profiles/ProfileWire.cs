namespace ProfileGrid.Profiles;

/// <summary>How a profile operation ended.</summary>
[GenerateSerializer]
public enum OutcomeKind
{
    /// <summary>Applied.</summary>
    Done,
    /// <summary>This profile was merged into <see cref="ProfileOutcome.RedirectTo"/>; ask there.</summary>
    Redirect,
    /// <summary>The world changed since the caller planned (a race); plan again.</summary>
    Conflict,
}

/// <summary>The answer of a profile write.</summary>
[GenerateSerializer, Immutable]
public sealed record ProfileOutcome(
    [property: Id(0)] OutcomeKind Kind,
    [property: Id(1)] string? RedirectTo = null,
    [property: Id(2)] string? Reason = null,
    [property: Id(3)] ImmutableArray<string> Warnings = default,
    [property: Id(4)] string? ProfileId = null,
    [property: Id(5)] bool AlreadyApplied = false)
{
    public static ProfileOutcome Done(string profileId, IEnumerable<string>? warnings = null) =>
        new(OutcomeKind.Done, Warnings: [.. warnings ?? []], ProfileId: profileId);

    /// <summary>The event is on the profile already (a re-send before its profile was written): nothing changed.</summary>
    public static ProfileOutcome AlreadyThere(string profileId) =>
        new(OutcomeKind.Done, Warnings: [], ProfileId: profileId, AlreadyApplied: true);
    public static ProfileOutcome Redirected(string to) => new(OutcomeKind.Redirect, RedirectTo: to);
    public static ProfileOutcome Conflicted(string reason) => new(OutcomeKind.Conflict, Reason: reason);
}

/// <summary>What a planner needs to know of a profile.</summary>
[GenerateSerializer, Immutable]
public sealed record ProfileSummary(
    [property: Id(0)] string ProfileId,
    [property: Id(1)] string? MergedInto,
    [property: Id(2)] ImmutableArray<IdentityKey> UniqueIdentities,
    [property: Id(3)] bool Exists,
    [property: Id(4)] string? SurrenderingTo = null);

/// <summary>
/// Apply one accepted event to the profile that receives it. <paramref name="WriteThrough"/> writes the
/// profile before answering instead of within <see cref="ProfileOptions.StateWriteDelay"/> (the recovery pass).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ApplyEventCommand(
    [property: Id(0)] CustomerEvent Event,
    [property: Id(1)] ImmutableArray<IdentityKey> Linked,
    [property: Id(2)] ImmutableArray<IdentityKey> Claims,
    [property: Id(3)] ImmutableArray<SkippedIdentity> Skipped,
    [property: Id(4)] bool WriteThrough = false);

/// <summary>A piece of a profile that moves: its identities and links, and the facts that belong to them.</summary>
/// <remarks>
/// Built for one call and read by the receiver, which copies what it keeps into its own state; nobody changes
/// it after sending. So it is <see cref="ImmutableAttribute">immutable</see> to Orleans, as the outcomes that
/// carry it already were: no deep copy on calls within a silo, and, above all, no copier built for every
/// <see cref="IProfileGrain"/> reference (the generated proxy resolved one by reflection on each GetGrain,
/// about 6 % of a durable ingestion's CPU).
/// </remarks>
[GenerateSerializer, Immutable]
public sealed class ProfileFragment
{
    [Id(0)] public IdentityGraph Graph { get; init; } = new();
    [Id(1)] public List<CustomerEvent> Events { get; init; } = [];
    [Id(2)] public TraitSet Traits { get; init; } = new();
    [Id(3)] public ProfileStats Stats { get; init; } = new();
    [Id(4)] public long EventsDropped { get; init; }
    [Id(5)] public long LinksDropped { get; init; }
    /// <summary>Handovers the sender had taken in: an absorber takes over knowing them, so a repeated delivery is not taken twice.</summary>
    [Id(6)] public List<string> Received { get; init; } = [];
    /// <summary>Profiles the sender had absorbed: an absorber of the sender takes their facts as already in.</summary>
    [Id(7)] public List<string> Absorbed { get; init; } = [];
    /// <summary>Profiles the sender had absorbed without confirming yet: an absorber of the sender confirms them.</summary>
    [Id(8)] public List<string> Confirming { get; init; } = [];
}

/// <summary>The answer to <see cref="IProfileGrain.Surrender"/>.</summary>
[GenerateSerializer, Immutable]
/// <param name="SurrenderingTo">On a conflict: the absorber this profile is already surrendering to.</param>
public sealed record SurrenderOutcome(
    [property: Id(0)] OutcomeKind Kind,
    [property: Id(1)] ProfileFragment? State,
    [property: Id(2)] string? RedirectTo,
    [property: Id(3)] string? Reason,
    [property: Id(4)] string? SurrenderingTo = null);

/// <summary>
/// A part of a profile on its way to the profile <see cref="To"/>, kept in the sending profile's state until
/// delivered; <see cref="Id"/> makes a repeated delivery a no-op.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Handover(
    [property: Id(0)] string Id,
    [property: Id(1)] string To,
    [property: Id(2)] ProfileFragment Fragment);

/// <summary>The answer to <see cref="IProfileGrain.Release"/>: on Done, the handover for the caller to deliver, or null when already delivered.</summary>
[GenerateSerializer, Immutable]
public sealed record ReleaseOutcome(
    [property: Id(0)] OutcomeKind Kind,
    [property: Id(1)] Handover? Handover,
    [property: Id(2)] string? RedirectTo,
    [property: Id(3)] string? Reason);

/// <summary>
/// Which part of the timeline a reader wants. <paramref name="LookedUpBy"/> is the identity the reader found the
/// profile by, if it did: a profile that is handing that identity over to another answers with where it went.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProfileViewRequest(
    [property: Id(0)] int? LastEvents = null,
    [property: Id(1)] string? EventType = null,
    [property: Id(2)] IdentityKey? LookedUpBy = null);

/// <summary>Computed attributes of a profile at the time it was read.</summary>
[GenerateSerializer, Immutable]
public sealed record ProfileStatsView(
    [property: Id(0)] long EventCount,
    [property: Id(1)] ImmutableArray<KeyValuePair<string, long>> CountsByType,
    [property: Id(2)] DateTimeOffset? FirstSeen,
    [property: Id(3)] DateTimeOffset? LastSeen,
    [property: Id(4)] double LifetimeRevenue,
    [property: Id(5)] long PurchaseCount,
    [property: Id(6)] DateTimeOffset? LastPurchaseAt,
    [property: Id(7)] string? MostEngagedChannel);

/// <summary>The stitched person as a reader sees it.</summary>
[GenerateSerializer, Immutable]
public sealed record ProfileView(
    [property: Id(0)] string Id,
    [property: Id(1)] ImmutableArray<IdentityKey> Identities,
    [property: Id(2)] ImmutableArray<IdentityLink> Links,
    [property: Id(3)] string TraitsJson,
    [property: Id(4)] ImmutableArray<CustomerEvent> Events,
    [property: Id(5)] ProfileStatsView Stats,
    [property: Id(6)] int EventsKept,
    [property: Id(7)] long EventsDropped,
    [property: Id(8)] long LinksDropped);
