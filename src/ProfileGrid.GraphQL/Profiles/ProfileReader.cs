using ProfileGrid.Hosting;
using ProfileGrid.Ingestion;

namespace ProfileGrid.GraphQL.Profiles;

/// <summary>
/// The API's door to the grid, the same on a silo and on a gateway: a lookup by identity is one hop to the profile
/// grain when this host remembers the identity's owner (<see cref="OwnerCache"/>, shared with ingestion on a silo;
/// the view must still list the identity), else one hop to the identity grain and one to the profile grain;
/// writes go through the ingest grain. A caller's token bounds the
/// wait for each grain (a GraphQL request's execution limit): a grain call that does not answer (its silo just
/// died, its activation is stuck) is given up at once instead of at Orleans' response timeout; a write given up
/// may still take effect; sending it again is safe (events are idempotent by id, traits by observation time).
/// Within that bound, reads, ingestion and traits are sent again when their silo died under them
/// (<see cref="ResentCalls"/>; on a gateway also when the connection they went by was lost,
/// <paramref name="connectionLoss"/>), so a silo's death delays them rather than failing them. An unlink is not:
/// sent twice, the second would find the identity already unlinked.
/// </summary>
public sealed class ProfileGridGateway(IGrainFactory grains, IdentityRules rules, OwnerCache owners, ConnectionLoss? connectionLoss = null)
{
    public IdentityRules Rules => rules;

    /// <summary>
    /// The person an identity belongs to, or null. The identity is normalised the way ingestion does. A profile
    /// still handing the identity over (its silo died midway) completes that and sends the lookup on.
    /// </summary>
    public async Task<ProfileView?> Lookup(IdentityKey identity, ProfileViewRequest request, CancellationToken cancellationToken = default)
    {
        request = request with { LookedUpBy = identity };
        if (owners.TryGet(identity, out var remembered))
        {
            // Only a hint: the profile is the answer while its view lists the identity (not after an unlink, or once the
            // identity moved to another person); else the identity's grain, the owner of record, is asked.
            var confirmed = await ById(remembered, request, cancellationToken);
            if (confirmed is not null && confirmed.Identities.Contains(identity))
            {
                if (confirmed.Id != remembered) owners.Remember([identity], confirmed.Id);
                return confirmed;
            }
            owners.Forget([identity]);
        }

        var owner = await ResentCalls.Read(static s => s.grains.Identity(s.identity).GetOwner(), (grains, identity), connectionLoss, cancellationToken);
        if (owner is null) return null;
        var view = await ById(owner, request, cancellationToken);
        if (view is not null) owners.Remember([identity], view.Id);
        return view;
    }

    /// <summary>A profile by id; an id that was merged away finds the surviving profile.</summary>
    public async Task<ProfileView?> ById(string profileId, ProfileViewRequest request, CancellationToken cancellationToken = default)
    {
        for (var hop = 0; hop < 64; hop++)
        {
            var (view, lookIn) = await ResentCalls.Read(
                static s => s.grains.Profile(s.profileId).GetView(s.request), (grains, profileId, request), connectionLoss, cancellationToken);
            if (lookIn is null) return view;
            profileId = lookIn;
        }
        return null;
    }

    public Task<IngestResult> Ingest(ImmutableArray<RawEvent> events, CancellationToken cancellationToken = default) =>
        ResentCalls.Send(static s => s.Ingestor.Ingest(s.events), (Ingestor, events), connectionLoss, cancellationToken);

    public Task<string> SetTraits(IdentityKey identity, string traitsJson, DateTimeOffset observedAt, CancellationToken cancellationToken = default) =>
        ResentCalls.Send(
            static s => s.Ingestor.SetTraits(s.identity, s.traitsJson, s.observedAt), (Ingestor, identity, traitsJson, observedAt), connectionLoss, cancellationToken);

    public Task<string?> Unlink(IdentityKey identity, CancellationToken cancellationToken = default) =>
        Ingestor.Unlink(identity).WaitAsync(cancellationToken);

    private IIngestGrain Ingestor => grains.GetGrain<IIngestGrain>(0);
}
