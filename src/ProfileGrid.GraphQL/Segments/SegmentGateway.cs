using Microsoft.Extensions.Options;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.Hosting;
using ProfileGrid.Segments;

namespace ProfileGrid.GraphQL.Segments;

/// <summary>
/// The API's door to live segments, the same on a silo and on a gateway: definitions through the registry,
/// audiences from their shards (merged in id order for paging), memberships and explanations from the profile.
/// A caller's token bounds the wait for each grain, as in <see cref="ProfileGrid.GraphQL.Profiles.ProfileGridGateway"/>, and
/// the reads are sent again when their silo dies under them (<see cref="ResentCalls.Read"/>). Definitions and deletions
/// are not: a definition without an id would be made twice, a deletion sent twice would find nothing the second time.
/// </summary>
public sealed class SegmentGateway(IGrainFactory grains, IOptions<SegmentOptions> options, ConnectionLoss? connectionLoss = null)
{
    /// <summary>Largest page of members one request may ask for.</summary>
    public const int MaxPageSize = 1000;

    private ISegmentRegistryGrain Registry => grains.GetGrain<ISegmentRegistryGrain>(0);

    public Task<SegmentChangeResult> Define(string? id, string name, string expression, CancellationToken cancellationToken = default) =>
        Registry.Define(id, name, expression).WaitAsync(cancellationToken);

    public Task<SegmentChangeResult> Delete(string id, CancellationToken cancellationToken = default) => Registry.Delete(id).WaitAsync(cancellationToken);

    public Task<SegmentInfo?> Get(string id, CancellationToken cancellationToken = default) =>
        ResentCalls.Read(static s => s.Registry.Get(s.id), (Registry, id), connectionLoss, cancellationToken);

    public Task<ImmutableArray<SegmentInfo>> List(CancellationToken cancellationToken = default) =>
        ResentCalls.Read(static registry => registry.List(), Registry, connectionLoss, cancellationToken);

    /// <summary>Exact audience size: the sum of the shards' counts.</summary>
    public async Task<long> Size(string segmentId, CancellationToken cancellationToken = default) =>
        (await Task.WhenAll(Shards().Select(shard =>
            ResentCalls.Read(static s => s.shard.Count(s.segmentId), (shard, segmentId), connectionLoss, cancellationToken)))).Sum();

    /// <summary>The first <paramref name="first"/> members after <paramref name="after"/> (a profile id), in id order.</summary>
    public async Task<ProfileIdPage> Members(string segmentId, string? after, int first, CancellationToken cancellationToken = default)
    {
        var pages = await Task.WhenAll(Shards().Select(shard =>
            ResentCalls.Read(static s => s.shard.Page(s.segmentId, s.after, s.first), (shard, segmentId, after, first), connectionLoss, cancellationToken)));
        var merged = pages.SelectMany(p => p.ProfileIds).Order(StringComparer.Ordinal).ToList();
        var hasMore = merged.Count > first || pages.Any(p => p.HasMore);
        return new ProfileIdPage([.. merged.Take(first)], hasMore);
    }

    /// <summary>The profile's memberships (following merges), or empty when it does not exist.</summary>
    public async Task<ImmutableArray<SegmentMembership>> Memberships(string profileId, CancellationToken cancellationToken = default)
    {
        for (var hop = 0; hop < 64; hop++)
        {
            var (memberships, mergedInto) = await ResentCalls.Read(
                static s => s.grains.GetGrain<IProfileSegmentsGrain>(s.profileId).GetSegments(), (grains, profileId), connectionLoss, cancellationToken);
            if (mergedInto is null) return memberships;
            profileId = mergedInto;
        }
        return [];
    }

    public async Task<ProfileSegmentExplanation?> Explain(string profileId, string segmentId, CancellationToken cancellationToken = default)
    {
        for (var hop = 0; hop < 64; hop++)
        {
            var (explanation, mergedInto) = await ResentCalls.Read(
                static s => s.grains.GetGrain<IProfileSegmentsGrain>(s.profileId).ExplainSegment(s.segmentId), (grains, profileId, segmentId), connectionLoss, cancellationToken);
            if (mergedInto is null) return explanation;
            profileId = mergedInto;
        }
        return null;
    }

    /// <summary>The profile an identity belongs to, or null.</summary>
    public Task<string?> Owner(IdentityKey identity, CancellationToken cancellationToken = default) =>
        ResentCalls.Read(static s => s.grains.Identity(s.identity).GetOwner(), (grains, identity), connectionLoss, cancellationToken);

    private IEnumerable<IAudienceShardGrain> Shards() =>
        Enumerable.Range(0, options.Value.AudienceShards).Select(shard => grains.AudienceShard(shard));
}
