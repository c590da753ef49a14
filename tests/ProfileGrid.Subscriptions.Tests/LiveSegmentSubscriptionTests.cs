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
        await using var client = await SubscriptionClient.ConnectAndInitAsync(silo.WebSocketUri);
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

/// <summary>End to end across two silos: profiles living on silo B, the subscriber on silo A.</summary>
public sealed class LiveSegmentCrossSiloTests(TwoSiloFixture fixture) : IClassFixture<TwoSiloFixture>
{
    [Fact]
    public async Task ENTERED_of_profiles_living_on_silo_B_reaches_a_subscriber_on_silo_A()
    {
        var segment = Changes.NewId("cross-silo");
        var eventType = $"web.signup.x{Guid.NewGuid():N}";
        var emails = Enumerable.Range(0, 16).Select(i => $"{i}.{Guid.NewGuid():N}@luma.example").ToArray();
        await fixture.A.DefineSegment(segment, eventType);
        await fixture.A.WaitUntilSiloKnowsSegment(segment);
        await fixture.B.WaitUntilSiloKnowsSegment(segment);
        await using var onA = await SubscriptionClient.ConnectAndInitAsync(fixture.A.WebSocketUri);
        var hubSubscribers = fixture.A.Hub.SubscriberCount;
        await onA.SubscribeToChangesAsync("s", segment);
        await fixture.A.Hub.WaitForSubscribers(hubSubscribers + 1).WaitAsync(TimeSpan.FromSeconds(10));

        await fixture.B.IngestEvents(eventType, emails);
        var entered = new Dictionary<string, ReceivedChange>();
        while (entered.Count < emails.Length)
        {
            var change = await onA.ReceiveChangeAsync("s");
            Assert.Equal("ENTERED", change.Status);
            entered[change.ProfileId] = change;
        }

        // Where each profile grain lives: enough people that some are on B (all 16 on A: 1 in 65,536).
        var management = fixture.A.Grains.GetGrain<IManagementGrain>(0);
        var silos = new List<string>();
        foreach (var profileId in entered.Keys)
        {
            var address = await management.GetActivationAddress(fixture.A.Grains.GetGrain<ProfileGrid.Profiles.IProfileGrain>(profileId));
            silos.Add(address?.ToString() ?? "none");
        }

        Assert.Contains(fixture.B.SiloAddress, silos);
        var expected = new HashSet<string>();
        foreach (var email in emails) expected.Add(await fixture.A.ProfileIdOf(email));
        Assert.Equal(expected, entered.Keys.ToHashSet());
    }
}
