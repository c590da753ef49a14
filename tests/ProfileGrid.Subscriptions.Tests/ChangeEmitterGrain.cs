using Orleans.Placement;
using Orleans.Runtime;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>
/// Publishes membership changes from inside a grain through the silo's real
/// <see cref="ISegmentChangePublisher"/>, the way a profile grain does, on the silo that called it
/// (prefer-local placement), and says which silo that was.
/// </summary>
public interface IChangeEmitterGrain : IGrainWithGuidKey
{
    Task<string> Emit(SegmentMembershipChange[] changes);
}

[PreferLocalPlacement]
public sealed class ChangeEmitterGrain(ISegmentChangePublisher publisher, ILocalSiloDetails silo) : Grain, IChangeEmitterGrain
{
    public async Task<string> Emit(SegmentMembershipChange[] changes)
    {
        await publisher.Publish(changes);
        return silo.SiloAddress.ToString();
    }
}
