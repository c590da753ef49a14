using ProfileGrid.Testing.Postgres;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>
/// With <c>ProfileGrid:Storage=Postgres</c> the stream's pub-sub state is in PostgreSQL: subscriptions
/// held by the pub-sub grains of a silo that goes away are still known when those grains come back
/// on the silo that remains.
/// </summary>
public sealed class PostgresSubscriptionTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    [PostgresFact]
    public async Task Subscriptions_survive_the_silo_that_held_their_pubsub_and_changes_keep_arriving()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ProfileGrid:Storage"] = "Postgres",
            ["ConnectionStrings:Postgres"] = await postgres.CreateDatabaseAsync("subscriptions"),
            // No health check during the test: what keeps the subscriptions is the stored pub-sub state.
            ["ProfileGrid:Subscriptions:HealthCheckInterval"] = "01:00:00",
        };
        var serviceId = $"pg-subscriptions-{Guid.NewGuid():N}";
        await using var a = await GridHost.StartSiloAsync(serviceId, settings: settings);
        var b = await GridHost.StartSiloAsync(serviceId, settings: settings);
        var segment = Changes.NewId("seg");
        await using var client = await GraphQLWebSocketTestClient.ConnectAndInitAsync(a.WebSocketUri);
        await client.SubscribeToChangesAsync("s", segment);
        await a.Hub.WaitForSubscribers(1).WaitAsync(TimeSpan.FromSeconds(10));
        var profiles = StreamRecoveryTests.ProfilesOnEveryShard().ToList();
        await b.PublishFromGrainAsync([.. profiles.Select(p => Changes.Entered(segment, p, 1))]);
        for (var i = 0; i < profiles.Count; i++) await client.ReceiveChangeAsync("s");

        await b.DisposeAsync();
        await a.PublishFromGrainAsync([.. profiles.Select(p => Changes.Exited(segment, p, 2))]);

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
