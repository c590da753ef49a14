using ProfileGrid.Hosting;
using ProfileGrid.Ingestion;

namespace ProfileGrid.GraphQL.Profiles;

/// <summary>
/// The API's door to the grid, the same on a silo and on a gateway: lookups are one hop to the
/// identity grain and one to the profile grain; writes go through the ingest grain.
/// </summary>
public sealed class ProfileGridGateway(IGrainFactory grains, IdentityRules rules)
{
    public IdentityRules Rules => rules;

    /// <summary>
    /// The person an identity belongs to, or null. The identity is normalised the way ingestion does. A profile
    /// still handing the identity over (its silo died midway) completes that and sends the lookup on.
    /// </summary>
    public async Task<ProfileView?> Lookup(IdentityKey identity, ProfileViewRequest request)
    {
        var owner = await grains.Identity(identity).GetOwner();
        return owner is null ? null : await ById(owner, request with { LookedUpBy = identity });
    }

    /// <summary>A profile by id; an id that was merged away finds the surviving profile.</summary>
    public async Task<ProfileView?> ById(string profileId, ProfileViewRequest request)
    {
        for (var hop = 0; hop < 64; hop++)
        {
            var (view, lookIn) = await grains.Profile(profileId).GetView(request);
            if (lookIn is null) return view;
            profileId = lookIn;
        }
        return null;
    }

    public Task<IngestResult> Ingest(ImmutableArray<RawEvent> events) => Ingestor.Ingest(events);

    public Task<string> SetTraits(IdentityKey identity, string traitsJson, DateTimeOffset observedAt) =>
        Ingestor.SetTraits(identity, traitsJson, observedAt);

    public Task<string?> Unlink(IdentityKey identity) => Ingestor.Unlink(identity);

    private IIngestGrain Ingestor => grains.GetGrain<IIngestGrain>(0);
}
