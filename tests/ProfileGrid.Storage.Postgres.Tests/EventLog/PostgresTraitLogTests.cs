using System.Text.Json.Nodes;

namespace ProfileGrid.Storage.Postgres.Tests.EventLog;

public sealed class PostgresTraitLogTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private static readonly DateTimeOffset Monday = new(2025, 3, 3, 9, 30, 0, TimeSpan.FromHours(1));
    private static readonly EventIdentity Sarah = new("email", "sarah@example.com");
    private static readonly EventIdentity SarahsCrm = new("crmId", "C-17");
    private static readonly EventIdentity Somebody = new("email", "somebody@example.com");

    [PostgresFact]
    public async Task Observations_read_back_by_identity_in_arrival_order_with_their_times_in_UTC()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var log = PostgresTraitLog.Create(connectionString);
        await log.AppendAsync(new TraitObservation(Sarah, Monday, """{"tier": "plus", "address": {"city": "Lyon"}}"""));
        await log.AppendAsync(new TraitObservation(Somebody, Monday, """{"tier": "basic"}"""));
        await log.AppendAsync(new TraitObservation(SarahsCrm, Monday.AddDays(-1), """{"tier": null}"""));

        var sarah = await log.ReadByIdentitiesAsync([Sarah, SarahsCrm]);

        Assert.Equal([Sarah, SarahsCrm], sarah.Select(o => o.Identity));
        Assert.Equal(Monday, sarah[0].ObservedAt);
        Assert.Equal(TimeSpan.Zero, sarah[0].ObservedAt.Offset);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"tier": "plus", "address": {"city": "Lyon"}}"""), JsonNode.Parse(sarah[0].TraitsJson)));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"tier": null}"""), JsonNode.Parse(sarah[1].TraitsJson)));
        Assert.Equal([Somebody], (await log.ReadByIdentitiesAsync([Somebody])).Select(o => o.Identity));
        Assert.Empty(await log.ReadByIdentitiesAsync([new EventIdentity("email", "nobody@example.com")]));
        Assert.Empty(await log.ReadByIdentitiesAsync([]));
    }

    [PostgresFact]
    public async Task An_observation_taken_back_by_its_sequence_is_gone_and_the_others_stay()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var log = PostgresTraitLog.Create(connectionString);
        var first = await log.AppendAsync(new TraitObservation(Sarah, Monday, """{"tier": "plus"}"""));
        var refused = await log.AppendAsync(new TraitObservation(Sarah, Monday.AddHours(1), """{"tier": "gold"}"""));
        var last = await log.AppendAsync(new TraitObservation(Sarah, Monday.AddHours(2), """{"country": "FR"}"""));

        var removed = await log.RemoveAsync(refused);
        var removedAgain = await log.RemoveAsync(refused);

        Assert.True(first < refused && refused < last);
        Assert.True(removed);
        Assert.False(removedAgain);
        Assert.Equal(["""{"tier": "plus"}""", """{"country": "FR"}"""], (await log.ReadByIdentitiesAsync([Sarah])).Select(o => o.TraitsJson));
    }

    [PostgresTheory]
    [InlineData("email", "sarah@example.com", """{"name": "a\u0000b"}""", "traits: contains an escaped U+0000")]
    [InlineData("email", "sarah@example.com", """["plus"]""", "traits: must be a JSON object")]
    [InlineData("email", "sarah@example.com", """{"tier": """, "traits: is not valid JSON")]
    [InlineData("", "sarah@example.com", """{"tier": "plus"}""", "identity.namespace: must not be empty")]
    [InlineData("email", "", """{"tier": "plus"}""", "identity.value: must not be empty")]
    public async Task An_observation_the_database_cannot_hold_is_refused_naming_the_field_and_nothing_is_stored(string ns, string value, string traits, string expected)
    {
        var connectionString = await CreateDatabaseAsync();
        await using var log = PostgresTraitLog.Create(connectionString);
        await log.AppendAsync(new TraitObservation(Sarah, Monday, """{"tier": "plus"}"""));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(new TraitObservation(new EventIdentity(ns, value), Monday, traits)));

        Assert.StartsWith(expected, error.Message);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM profilegrid_trait_observations"));
    }

    [PostgresFact]
    public async Task An_identity_value_over_the_key_limit_is_refused_with_the_limit()
    {
        await using var log = PostgresTraitLog.Create(await CreateDatabaseAsync());

        var error = await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(new TraitObservation(new EventIdentity("email", new string('a', 513)), Monday, "{}")));

        Assert.Equal("identity.value: is 513 characters, over the limit of 512", error.Message);
    }

    private async Task<string> CreateDatabaseAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("trait_log");
        await new PostgresSchemaMigrator(connectionString).MigrateAsync();
        return connectionString;
    }
}
