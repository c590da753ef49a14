using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>End to end: a segment defined over GraphQL, an event ingested over HTTP, ENTERED on the socket.</summary>
public sealed class LiveSegmentSubscriptionTests(SingleSiloFixture fixture) : IClassFixture<SingleSiloFixture>
{
    [Fact]
    public async Task Ingesting_an_event_that_qualifies_a_person_sends_ENTERED_to_the_segment_subscribers()
    {
        var silo = fixture.Silo;
        var segment = Changes.NewId("yoga-buyers");
        var eventType = $"commerce.purchase.x{Guid.NewGuid():N}";
        var email = $"{Guid.NewGuid():N}@luma.example";
        await silo.DefineSegment(segment, eventType);
        await silo.WaitUntilSiloKnowsSegment(segment);
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(silo.WebSocketUri);
        var hubSubscribers = silo.Hub.SubscriberCount;
        await client.SubscribeToChangesAsync("s", segment);
        await silo.Hub.WaitForSubscribers(hubSubscribers + 1).WaitAsync(TimeSpan.FromSeconds(10));

        await silo.IngestEvents(eventType, email);
        var change = await client.ReceiveChangeAsync("s");

        Assert.Equal((segment, "ENTERED"), (change.SegmentId, change.Status));
        Assert.Equal(await silo.ProfileIdOf(email), change.ProfileId);
        Assert.True(change.Sequence > 0);
    }
}

/// <summary>End to end across two silos: changes made on one silo reach subscribers on the other.</summary>
public sealed class LiveSegmentCrossSiloTests(TwoSiloFixture fixture) : IClassFixture<TwoSiloFixture>
{
    [Fact]
    public async Task ENTERED_reaches_subscribers_on_both_silos_whichever_silo_the_profiles_live_on()
    {
        var segment = Changes.NewId("cross-silo");
        var eventType = $"web.signup.x{Guid.NewGuid():N}";
        var emails = Enumerable.Range(0, 16).Select(i => $"{i}.{Guid.NewGuid():N}@luma.example").ToArray();
        await fixture.A.DefineSegment(segment, eventType);
        await fixture.A.WaitUntilSiloKnowsSegment(segment);
        await fixture.B.WaitUntilSiloKnowsSegment(segment);
        await using var onA = await GraphQLWebSocketTestClient.ConnectAndInitAsync(fixture.A.WebSocketUri);
        await using var onB = await GraphQLWebSocketTestClient.ConnectAndInitAsync(fixture.B.WebSocketUri);
        var (subscribersA, subscribersB) = (fixture.A.Hub.SubscriberCount, fixture.B.Hub.SubscriberCount);
        await onA.SubscribeToChangesAsync("s", segment);
        await onB.SubscribeToChangesAsync("s", segment);
        await fixture.A.Hub.WaitForSubscribers(subscribersA + 1).WaitAsync(TimeSpan.FromSeconds(10));
        await fixture.B.Hub.WaitForSubscribers(subscribersB + 1).WaitAsync(TimeSpan.FromSeconds(10));

        await fixture.B.IngestEvents(eventType, emails);
        var receivedOnA = await ReceiveEntered(onA, emails.Length);
        var receivedOnB = await ReceiveEntered(onB, emails.Length);

        var expected = new HashSet<string>();
        foreach (var email in emails) expected.Add(await fixture.A.ProfileIdOf(email));
        Assert.Equal(expected, receivedOnA);
        Assert.Equal(expected, receivedOnB);

        // Placement decides where the profiles live; with a subscriber on each silo, some subscriber
        // received changes made on the other silo whatever it decided.
        var management = fixture.A.Grains.GetGrain<IManagementGrain>(0);
        var homes = new HashSet<string>();
        foreach (var profileId in expected)
            homes.Add((await management.GetActivationAddress(fixture.A.Grains.GetGrain<ProfileGrid.Profiles.IProfileGrain>(profileId)))?.ToString() ?? "none");
        Assert.Subset(new HashSet<string> { fixture.A.SiloAddress, fixture.B.SiloAddress }, homes);
    }

    private static async Task<HashSet<string>> ReceiveEntered(GraphQLWebSocketTestClient client, int count)
    {
        var profiles = new HashSet<string>();
        while (profiles.Count < count)
        {
            var change = await client.ReceiveChangeAsync("s");
            Assert.Equal("ENTERED", change.Status);
            profiles.Add(change.ProfileId);
        }
        return profiles;
    }
}
