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
    /// <param name="takingOverFrom">
    /// The absorber this profile is already surrendering to, when that one was merged into <paramref name="absorberId"/>
    /// before it confirmed (a merge cut short, then its absorber merged away): the surrender moves to the new absorber.
    /// </param>
    Task<SurrenderOutcome> Surrender(string absorberId, ImmutableArray<IdentityKey> absorberUniqueIdentities, string? takingOverFrom = null);

    /// <summary>
    /// The absorber has durably taken in what <see cref="Surrender"/> handed over: only now does this
    /// profile drop its facts and become a forwarding pointer. Until then it keeps them, so a merge
    /// cut short by a crash is completed later (<see cref="ProfileSummary.SurrenderingTo"/>), never lost.
    /// </summary>
    Task ConfirmSurrender(string absorberId);

    /// <summary>
    /// The shared-device rule: takes a non-unique identity (and the anonymous part hanging off it) out of this
    /// profile as a <see cref="Handover"/> to <paramref name="newOwnerId"/>, recorded in the same write that takes
    /// it out, and returns it for the caller to deliver: <see cref="Receive"/> on the new owner, then
    /// <see cref="HandedOver"/> here (null when this profile's write delivered it already, to a higher id). One the
    /// caller does not finish (a crash) is delivered by this profile itself.
    /// </summary>
    Task<ReleaseOutcome> Release(IdentityKey identity, string newOwnerId);

    /// <summary>
    /// Takes in a part handed over by another profile (a shared device, an unlink, the graph limit), once:
    /// <paramref name="handoverId"/> makes a delivery repeated after a crash a no-op. A profile merged or being
    /// merged away redirects to its absorber.
    /// </summary>
    Task<ProfileOutcome> Receive(string handoverId, ProfileFragment fragment);

    /// <summary>
    /// <paramref name="receiverId"/> has durably taken in the handover: its identities are re-pointed there and it is
    /// written off. A handover already written off is a no-op.
    /// </summary>
    Task HandedOver(string handoverId, string receiverId);

    /// <summary>Removes an identity's links; both sides are re-derived. Returns the profile that holds it after.</summary>
    Task<ProfileOutcome> Unlink(IdentityKey identity);

    /// <summary>Upserts traits observed through <paramref name="source"/>; newest observation per attribute wins.</summary>
    Task<ProfileOutcome> SetTraits(IdentityKey source, string traitsJson, DateTimeOffset observedAt, bool claimSource);

    /// <summary>
    /// The stitched view, or null when the profile does not exist. A merged profile answers with where to look
    /// instead, as does one that has just handed over the identity the reader looked it up by
    /// (<see cref="ProfileViewRequest.LookedUpBy"/>).
    /// </summary>
    Task<(ProfileView? View, string? LookIn)> GetView(ProfileViewRequest request);
}
