using System.Globalization;

namespace ProfileGrid.Durability.Tests.Storage;

/// <summary>
/// On PostgreSQL a write per profile would be most of a new segment's walk over every profile: the walk writes only
/// the profiles whose memberships or windows it changed.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class BatchWalkWriteTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task A_new_segment_writes_the_profiles_that_enter_it_and_not_the_others()
    {
        var run = $"walkwrite{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("walk_write");
        await using var grid = await DurableCluster.StartAsync(connectionString, run, silos: 1);
        // Three people, one of whom buys; each is written at once as a new person.
        Assert.Equal(3, (await grid.Grains.IngestAll([
            People.Numbered(run, 0, "commerce.purchase", ("ecid", People.Device(run, 0))),
            People.Numbered(run, 1, "web.pageView", ("ecid", People.Device(run, 1))),
            People.Numbered(run, 2, "web.pageView", ("ecid", People.Device(run, 2))),
        ])).Accepted);
        var buyer = (await grid.Grains.Lookup("ecid", People.Device(run, 0)))!.Id;
        var before = await ProfileRowVersions(connectionString, run);
        Assert.Equal(3, before.Count);

        var buyers = $"buyers-{run}";
        await SegmentQueries.DefinedAsync(grid.Grains, buyers, $"exists(events where type = \"commerce.purchase\" and attributes.run = \"{run}\")");

        Assert.Equal([buyer], await SegmentQueries.AudienceAsync(grid.Grains, buyers));
        // Rows are keyed by the profile id's binary form: exactly one was written, for the one membership the walk made.
        var after = await ProfileRowVersions(connectionString, run);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.Single(after, row => row.Value != before[row.Key]);
    }

    /// <summary>Each stored profile row's version, by its binary key.</summary>
    private static async Task<Dictionary<string, long>> ProfileRowVersions(string connectionString, string serviceId)
    {
        var rows = await Sql.ScalarAsync<string>(connectionString,
            "SELECT string_agg(GrainIdN0 || '/' || GrainIdN1 || '=' || Version, ',') FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = 'profile'",
            ("service", serviceId));
        return rows.Split(',').Select(row => row.Split('=')).ToDictionary(pair => pair[0], pair => long.Parse(pair[1], CultureInfo.InvariantCulture));
    }
}
