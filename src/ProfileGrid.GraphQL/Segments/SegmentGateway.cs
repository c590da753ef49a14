using Microsoft.Extensions.Options;
using ProfileGrid.Hosting;
using ProfileGrid.Segments;

namespace ProfileGrid.GraphQL.Segments;

/// <summary>
/// The API's door to live segments, the same on a silo and on a gateway: definitions through the registry,
/// audiences from their shards (merged in id order for paging), memberships and explanations from the profile.
/// A caller's token bounds the wait for each grain, as in <see cref="ProfileGrid.GraphQL.Profiles.ProfileGridGateway"/>.
/// </summary>
public sealed class SegmentGateway(IGrainFactory grains, IOptions<SegmentOptions> options)
{
    /// <summary>Largest page of members one request may ask for.</summary>
    public const int MaxPageSize = 1000;

    private ISegmentRegistryGrain Registry => grains.GetGrain<ISegmentRegistryGrain>(0);

    public Task<SegmentChangeResult> Define(string? id, string name, string expression, CancellationToken cancellationToken = default) =>
        Registry.Define(id, name, expression).WaitAsync(cancellationToken);

    public Task<SegmentChangeResult> Delete(string id, CancellationToken cancellationToken = default) => Registry.Delete(id).WaitAsync(cancellationToken);

    public Task<SegmentInfo?> Get(string id, CancellationToken cancellationToken = default) => Registry.Get(id).WaitAsync(cancellationToken);

    public Task<ImmutableArray<SegmentInfo>> List(CancellationToken cancellationToken = default) => Registry.List().WaitAsync(cancellationToken);

    /// <summary>Exact audience size: the sum of the shards' counts.</summary>
    public async Task<long> Size(string segmentId, CancellationToken cancellationToken = default) =>
        (await Task.WhenAll(Shards().Select(s => s.Count(segmentId))).WaitAsync(cancellationToken)).Sum();

    /// <summary>The first <paramref name="first"/> members after <paramref name="after"/> (a profile id), in id order.</summary>
    public async Task<ProfileIdPage> Members(string segmentId, string? after, int first, CancellationToken cancellationToken = default)
    {
        var pages = await Task.WhenAll(Shards().Select(s => s.Page(segmentId, after, first))).WaitAsync(cancellationToken);
        var merged = pages.SelectMany(p => p.ProfileIds).Order(StringComparer.Ordinal).ToList();
        var hasMore = merged.Count > first || pages.Any(p => p.HasMore);
        return new ProfileIdPage([.. merged.Take(first)], hasMore);
    }

    /// <summary>The profile's memberships (following merges), or empty when it does not exist.</summary>
    public async Task<ImmutableArray<SegmentMembership>> Memberships(string profileId, CancellationToken cancellationToken = default)
    {
        for (var hop = 0; hop < 64; hop++)
        {
            var (memberships, mergedInto) = await grains.GetGrain<IProfileSegmentsGrain>(profileId).GetSegments().WaitAsync(cancellationToken);
            if (mergedInto is null) return memberships;
            profileId = mergedInto;
        }
        return [];
    }

    public async Task<ProfileSegmentExplanation?> Explain(string profileId, string segmentId, CancellationToken cancellationToken = default)
    {
        for (var hop = 0; hop < 64; hop++)
        {
            var (explanation, mergedInto) = await grains.GetGrain<IProfileSegmentsGrain>(profileId).ExplainSegment(segmentId).WaitAsync(cancellationToken);
            if (mergedInto is null) return explanation;
            profileId = mergedInto;
        }
        return null;
    }

    /// <summary>The profile an identity belongs to, or null.</summary>
    public Task<string?> Owner(IdentityKey identity, CancellationToken cancellationToken = default) =>
        grains.Identity(identity).GetOwner().WaitAsync(cancellationToken);

    private IEnumerable<IAudienceShardGrain> Shards() =>
        Enumerable.Range(0, options.Value.AudienceShards).Select(shard => grains.AudienceShard(shard));
}
