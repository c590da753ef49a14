namespace ProfileGrid.Profiles;

/// <summary>
/// One stitched person (key: a profile id). Holds the derived view: identity graph, traits, bounded
/// timeline, stats. Calls between profile grains only run from a lower id to a higher one (an absorber
/// asks a higher profile to surrender) or to a brand-new profile, so awaited calls never form a cycle.
/// </summary>
public interface IProfileGrain : IGrainWithStringKey
{
    /// <summary>Whether the profile exists, where it was merged, and its unique identities.</summary>
    Task<ProfileSummary> GetSummary();

    /// <summary>Links the event's identities (claiming the unowned ones) and adds the event.</summary>
    Task<ProfileOutcome> Apply(ApplyEventCommand command);

    /// <summary>Merges a higher-id profile into this one; re-points its identities here.</summary>
    Task<ProfileOutcome> Absorb(string otherProfileId);

    /// <summary>
    /// Hands this whole profile to a lower-id absorber when their unique identities are compatible,
    /// leaving a forwarding pointer behind.
    /// </summary>
    Task<SurrenderOutcome> Surrender(string absorberId, ImmutableArray<IdentityKey> absorberUniqueIdentities);

    /// <summary>
    /// The absorber has durably taken in what <see cref="Surrender"/> handed over: only now does this
    /// profile drop its facts and become a forwarding pointer. Until then it keeps them, so a merge
    /// cut short by a crash is completed later (<see cref="ProfileSummary.SurrenderingTo"/>), never lost.
    /// </summary>
    Task ConfirmSurrender(string absorberId);

    /// <summary>
    /// The shared-device rule: takes a non-unique identity (and the anonymous part hanging off it) out
    /// of this profile, points it at <paramref name="newOwnerId"/>, and returns what moves.
    /// </summary>
    Task<ReleaseOutcome> Release(IdentityKey identity, string newOwnerId);

    /// <summary>
    /// Takes in a fragment released by another profile; its identities point at
    /// <paramref name="pointedAt"/> (this profile, or one that was merged into it) and are re-pointed here.
    /// </summary>
    Task<ProfileOutcome> Adopt(ProfileFragment fragment, string pointedAt);

    /// <summary>Starts a new profile from a fragment split off another one.</summary>
    Task Initialize(ProfileFragment fragment);

    /// <summary>Removes an identity's links; both sides are re-derived. Returns the profile that holds it after.</summary>
    Task<ProfileOutcome> Unlink(IdentityKey identity);

    /// <summary>Upserts traits observed through <paramref name="source"/>; newest observation per attribute wins.</summary>
    Task<ProfileOutcome> SetTraits(IdentityKey source, string traitsJson, DateTimeOffset observedAt, bool claimSource);

    /// <summary>The stitched view, or null when the profile does not exist. A merged profile answers with a redirect.</summary>
    Task<(ProfileView? View, string? MergedInto)> GetView(ProfileViewRequest request);
}
