using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using ProfileGrid.Segments;

namespace ProfileGrid.Segments;

/// <summary>
/// Hands a profile's membership changes to the Orleans stream every host's subscription hub listens
/// to. All changes of one profile go to the same shard, one after the other, so their order (and
/// the increasing <see cref="SegmentMembershipChange.Sequence"/>) holds end to end.
/// </summary>
internal sealed class StreamSegmentChangePublisher(IServiceProvider services) : ISegmentChangePublisher
{
    private IStreamProvider? _provider;

    public async Task Publish(IReadOnlyList<SegmentMembershipChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0) return;
        // Resolved on first use: the provider is a silo component that exists only once the silo is built.
        var provider = _provider ??= services.GetRequiredKeyedService<IStreamProvider>(SegmentChangeStreams.ProviderName);
        foreach (var change in changes)
        {
            var stream = provider.GetStream<SegmentMembershipChange>(
                StreamId.Create(SegmentChangeStreams.Namespace, SegmentChangeStreams.ShardOf(change.ProfileId)));
            await stream.OnNextAsync(change);
        }
    }
}
