namespace ProfileGrid.Subscriptions.Tests;

/// <summary>A change made on one silo reaches subscribers on every host of the cluster.</summary>
public sealed class CrossSiloDeliveryTests(TwoSiloFixture fixture) : IClassFixture<TwoSiloFixture>
{
    [Fact]
    public async Task Change_published_by_a_grain_on_silo_B_reaches_subscribers_on_silo_A_silo_B_and_a_gateway()
    {
        var segment = Changes.NewId("seg");
        var profile = Changes.NewId("profile");
        await using var onA = await GraphQLWebSocketTestClient.ConnectAndInitAsync(fixture.A.WebSocketUri);
        await using var onB = await GraphQLWebSocketTestClient.ConnectAndInitAsync(fixture.B.WebSocketUri);
        await using var onGateway = await GraphQLWebSocketTestClient.ConnectAndInitAsync(fixture.Gateway.WebSocketUri);
        await onA.SubscribeToChangesAsync("a", segment);
        await onB.SubscribeToChangesAsync("b", segment);
        await onGateway.SubscribeToChangesAsync("g", segment);
        await fixture.A.Hub.WaitForSubscribers(1).WaitAsync(TimeSpan.FromSeconds(10));
        await fixture.B.Hub.WaitForSubscribers(1).WaitAsync(TimeSpan.FromSeconds(10));
        await fixture.Gateway.Hub.WaitForSubscribers(1).WaitAsync(TimeSpan.FromSeconds(10));

        var producedOn = await fixture.B.PublishFromGrainAsync(Changes.Entered(segment, profile, 1), Changes.Exited(segment, profile, 2));

        Assert.Equal(fixture.B.SiloAddress, producedOn);
        Assert.NotEqual(fixture.A.SiloAddress, producedOn);
        foreach (var (client, id) in new[] { (onA, "a"), (onB, "b"), (onGateway, "g") })
        {
            var entered = await client.ReceiveChangeAsync(id);
            var exited = await client.ReceiveChangeAsync(id);
            Assert.Equal(("ENTERED", 1L, "EXITED", 2L), (entered.Status, entered.Sequence, exited.Status, exited.Sequence));
            Assert.Equal(profile, exited.ProfileId);
        }
    }
}
