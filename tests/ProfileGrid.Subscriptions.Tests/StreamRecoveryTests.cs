using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Streams;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>The hub notices a stream subscription its pub-sub no longer knows, and subscribes again.</summary>
public sealed class StreamRecoveryTests
{
    [Fact]
    public async Task Hub_subscribes_again_when_the_pubsub_loses_its_subscriptions_and_delivery_resumes()
    {
        await using var silo = await GridHost.StartSiloAsync(
            $"recovery-{Guid.NewGuid():N}",
            settings: new Dictionary<string, string?> { ["ProfileGrid:Subscriptions:HealthCheckInterval"] = "00:00:00.200" });
        var provider = silo.App.Services.GetRequiredKeyedService<IStreamProvider>(SegmentChangeStreams.ProviderName);
        var generation = silo.Hub.Generation;

        // What the pub-sub knows of this host: exactly the hub's one subscription per shard. Drop them
        // all, as a pub-sub that lost its state would have.
        for (var shard = 0; shard < SegmentChangeStreams.ShardCount; shard++)
        {
            var stream = provider.GetStream<SegmentMembershipChange>(StreamId.Create(SegmentChangeStreams.Namespace, shard));
            var handles = await stream.GetAllSubscriptionHandles();
            Assert.Single(handles);
            await handles[0].UnsubscribeAsync();
        }

        await silo.Hub.WaitForGeneration(generation + 1).WaitAsync(TimeSpan.FromSeconds(10));
        var segment = Changes.NewId("seg");
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(silo.WebSocketUri);
        await client.SubscribeToChangesAsync("s", segment);
        await silo.Hub.WaitForSubscribers(1).WaitAsync(TimeSpan.FromSeconds(10));
        await silo.PublishFromGrainAsync([.. ProfilesOnEveryShard().Select(p => Changes.Entered(segment, p, 1))]);

        var received = new HashSet<string>();
        for (var i = 0; i < SegmentChangeStreams.ShardCount; i++) received.Add((await client.ReceiveChangeAsync("s")).ProfileId);
        Assert.Equal(SegmentChangeStreams.ShardCount, received.Count);
    }

    /// <summary>One profile id per shard, so a test covers every shard's subscription.</summary>
    internal static IEnumerable<string> ProfilesOnEveryShard()
    {
        var byShard = new Dictionary<int, string>();
        while (byShard.Count < SegmentChangeStreams.ShardCount)
        {
            var id = Changes.NewId("profile");
            byShard.TryAdd(SegmentChangeStreams.ShardOf(id), id);
        }

        return byShard.OrderBy(p => p.Key).Select(p => p.Value);
    }
}
