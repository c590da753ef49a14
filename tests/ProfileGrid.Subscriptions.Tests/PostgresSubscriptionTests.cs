using ProfileGrid.Testing.Postgres;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>
/// With <c>ProfileGrid:Storage=Postgres</c> the registry of listening hosts is in PostgreSQL: a host's
/// registration outlives the silo that held the registry, and a silo that joins later learns it.
/// </summary>
public sealed class PostgresSubscriptionTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    [PostgresFact]
    public async Task Subscriptions_survive_the_silo_that_held_the_registry_and_reach_changes_from_a_silo_that_joined_later()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ProfileGrid:Storage"] = "Postgres",
            ["ConnectionStrings:Postgres"] = await postgres.CreateDatabaseAsync("subscriptions"),
            // No renewal during the test: what keeps the registration is the stored registry.
            ["ProfileGrid:Subscriptions:HealthCheckInterval"] = "01:00:00",
        };
        var serviceId = $"pg-subscriptions-{Guid.NewGuid():N}";
        await using var a = await GridHost.StartSiloAsync(serviceId, settings: settings);
        var b = await GridHost.StartSiloAsync(serviceId, settings: settings);
        var segment = Changes.NewId("seg");
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(a.WebSocketUri);
        await client.SubscribeToChangesAsync("s", segment);
        await a.Hub.WaitForSubscribers(1).WaitAsync(TimeSpan.FromSeconds(10));
        var profiles = Enumerable.Range(0, 4).Select(_ => Changes.NewId("profile")).ToList();
        await b.PublishFromGrainAsync([.. profiles.Select(p => Changes.Entered(segment, p, 1))]);
        for (var i = 0; i < profiles.Count; i++) await client.ReceiveChangeAsync("s");

        // The registry lives on a or on b; when b goes, it comes back on a or c from PostgreSQL. The
        // new silo c learns the listeners from it when its relay registers.
        await b.DisposeAsync();
        await using var c = await GridHost.StartSiloAsync(serviceId, settings: settings);
        var producedOn = await c.PublishFromGrainAsync([.. profiles.Select(p => Changes.Exited(segment, p, 2))]);
        Assert.Equal(c.SiloAddress, producedOn);

        var exited = new HashSet<string>();
        for (var i = 0; i < profiles.Count; i++)
        {
            var change = await client.ReceiveChangeAsync("s");
            Assert.Equal(("EXITED", 2L), (change.Status, change.Sequence));
            exited.Add(change.ProfileId);
        }

        Assert.Equal(profiles.ToHashSet(), exited);
        Assert.Equal(1, a.Hub.Generation);
    }
}
