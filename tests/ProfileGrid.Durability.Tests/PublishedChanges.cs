using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ProfileGrid.Segments;

namespace ProfileGrid.Durability.Tests;

/// <summary>
/// Every membership change the silos of a test cluster published, recorded on its way to the real
/// publisher (which still runs), by the cluster's service id.
/// </summary>
public static class PublishedChanges
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<SegmentMembershipChange>> ByService = new();

    /// <summary>The changes published for one profile, in publication order.</summary>
    public static List<SegmentMembershipChange> For(string serviceId, string profileId) =>
        ByService.TryGetValue(serviceId, out var changes) ? [.. changes.Where(c => c.ProfileId == profileId)] : [];

    /// <summary>Wraps the silo's publisher so that what it is given is recorded first.</summary>
    public static void Record(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(ISegmentChangePublisher) && !d.IsKeyedService);
        services.Remove(original);
        services.AddSingleton<ISegmentChangePublisher>(sp => new Recording(
            ByService.GetOrAdd(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, _ => new()),
            (ISegmentChangePublisher)(original.ImplementationInstance
                ?? original.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, original.ImplementationType!))));
    }

    private sealed class Recording(ConcurrentQueue<SegmentMembershipChange> recorded, ISegmentChangePublisher inner) : ISegmentChangePublisher
    {
        public Task Publish(IReadOnlyList<SegmentMembershipChange> changes)
        {
            foreach (var change in changes) recorded.Enqueue(change);
            return inner.Publish(changes);
        }
    }
}
