using ProfileGrid.Hosting;

namespace ProfileGrid.Durability.Tests.Crashes;

/// <summary>
/// A merge is three writes: the absorbed profile records that it is surrendering, the absorber takes its facts in,
/// then the absorbed one becomes a forwarding pointer. These tests cut a merge short and then merge the absorber
/// itself away, so that the merge left behind must be completed by the absorber's absorber.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class MergeCrashTests(PostgresServerFixture postgres)
{
    [PostgresFact]
    public async Task A_merge_cut_short_before_its_absorber_took_it_in_is_completed_by_the_profile_that_absorbed_that_absorber()
    {
        var run = $"mergecut{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("merge_cut_before");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var (z, a, o) = await ThreeAnonymousPeople(grid, run);

        // The absorber's silo died right after the absorbed profile recorded its surrender.
        var surrender = await grid.Grains.GetGrain<IProfileGrain>(o.Id).Surrender(a.Id, []);
        Assert.Equal(OutcomeKind.Done, surrender.Kind);
        // Then the absorber is merged away itself.
        var linkZA = People.Numbered(run, 10, "web.pageView", ("ecid", z.Device), ("ecid", a.Device));
        Assert.Equal(1, (await grid.Grains.IngestAll([linkZA])).Accepted);

        var later = People.Numbered(run, 11, "web.pageView", ("ecid", o.Device));
        var result = await grid.Grains.GetGrain<IIngestGrain>(0).Ingest([later]);

        Assert.Empty(result.Rejected);
        Assert.Equal(1, result.Accepted);
        await AssertOnePerson(grid, z, [z, a, o], [z.EventId, a.EventId, o.EventId, linkZA.Id!, later.Id!]);
    }

    [PostgresFact]
    public async Task A_merge_taken_in_but_never_confirmed_is_confirmed_by_the_profile_that_absorbed_its_absorber()
    {
        var run = $"mergecut{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("merge_cut_after");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var (z, a, o) = await ThreeAnonymousPeople(grid, run);

        // The absorber takes the other in and re-points its identity, then fails to confirm (its silo died).
        var linkAO = People.Numbered(run, 10, "web.pageView", ("ecid", a.Device), ("ecid", o.Device));
        using (CallFaults.Refuse(nameof(IProfileGrain.ConfirmSurrender), CallFaults.OnProfile(o.Id), times: 1))
        {
            var cut = await grid.Grains.GetGrain<IIngestGrain>(0).Ingest([linkAO]);
            Assert.Equal(1, CallFaults.Refused);
            Assert.Equal(0, cut.Accepted);
        }
        var (left, _) = await grid.Grains.GetGrain<IProfileGrain>(o.Id).GetView(new ProfileViewRequest());
        Assert.NotNull(left); // a copy of its facts still stands on its own
        // Then the absorber is merged away itself.
        var linkZA = People.Numbered(run, 11, "web.pageView", ("ecid", z.Device), ("ecid", a.Device));
        Assert.Equal(1, (await grid.Grains.IngestAll([linkZA])).Accepted);

        await AssertOnePerson(grid, z, [z, a, o], [z.EventId, a.EventId, o.EventId, linkZA.Id!]);
    }

    [PostgresFact]
    public async Task An_identity_split_off_before_its_merge_was_confirmed_points_at_the_part_it_went_with()
    {
        var run = $"mergecut{Guid.NewGuid():N}"[..15];
        var connectionString = await postgres.CreateDatabaseAsync("merge_cut_split");
        await using var grid = await DurableCluster.StartAsync(connectionString, run);
        var (z, a, o) = await ThreeAnonymousPeople(grid, run);
        var moving = new IdentityKey("ecid", o.Device);

        // The absorber takes the other in and writes, then its silo dies before the other's identity is re-pointed.
        var linkAO = People.Numbered(run, 10, "web.pageView", ("ecid", a.Device), ("ecid", o.Device));
        using (CallFaults.Refuse(nameof(IIdentityGrain.CompareAndSetOwner),
                   call => call.TargetId.Key.ToString() == moving.ToString() && Equals(call.Request.GetArgument(0), o.Id),
                   times: 1))
        {
            var cut = await grid.Grains.GetGrain<IIngestGrain>(0).Ingest([linkAO]);
            Assert.Equal(1, CallFaults.Refused);
            Assert.Equal(0, cut.Accepted);
        }
        Assert.Equal(o.Id, await grid.Grains.Identity(moving).GetOwner());

        // The absorber then splits that identity off, with the facts that came with it, into a new profile...
        var split = await grid.Grains.GetGrain<IProfileGrain>(a.Id).Unlink(moving);
        Assert.Equal(OutcomeKind.Done, split.Kind);
        var part = split.ProfileId!;
        Assert.NotEqual(a.Id, part);
        // ...and is merged away itself, so its absorber confirms the merge it inherited unconfirmed.
        var linkZA = People.Numbered(run, 11, "web.pageView", ("ecid", z.Device), ("ecid", a.Device));
        Assert.Equal(1, (await grid.Grains.IngestAll([linkZA])).Accepted);

        // The identity is where its facts are, not with the absorber (nor the absorber's absorber) it left.
        var found = (await grid.Grains.Lookup("ecid", o.Device))!;
        Assert.Equal(part, found.Id);
        Assert.Equal([$"ecid:{o.Device}"], found.Identities.Select(i => i.ToString()));
        Assert.Equal([o.EventId], found.Events.Select(e => e.Id));
        var rest = (await grid.Grains.Lookup("ecid", a.Device))!;
        Assert.Equal(z.Id, rest.Id);
        Assert.Equal(new[] { $"ecid:{z.Device}", $"ecid:{a.Device}" }.Order(), rest.Identities.Select(i => i.ToString()).Order());
        Assert.DoesNotContain(o.EventId, rest.Events.Select(e => e.Id));
    }

    private sealed record Person(string Id, string Device, string EventId);

    /// <summary>Three people of one anonymous device each, ordered by profile id: merges run from the lower id.</summary>
    private static async Task<(Person Z, Person A, Person O)> ThreeAnonymousPeople(DurableCluster grid, string run)
    {
        var people = new List<Person>();
        for (var n = 0; n < 3; n++)
        {
            var device = $"{run}-device-{n}";
            var e = People.Numbered(run, n, "web.pageView", ("ecid", device));
            Assert.Equal(1, (await grid.Grains.IngestAll([e])).Accepted);
            people.Add(new Person((await grid.Grains.Lookup("ecid", device))!.Id, device, e.Id!));
        }
        people.Sort((x, y) => string.CompareOrdinal(x.Id, y.Id));
        return (people[0], people[1], people[2]);
    }

    /// <summary>Every profile id and device finds the lowest profile, which holds each event exactly once.</summary>
    private static async Task AssertOnePerson(DurableCluster grid, Person survivor, Person[] people, string[] eventIds)
    {
        foreach (var person in people)
        {
            Assert.Equal(survivor.Id, (await grid.Grains.Lookup("ecid", person.Device))!.Id);
            Assert.Equal(survivor.Id, (await grid.Grains.ById(person.Id))!.Id);
        }
        var view = (await grid.Grains.ById(survivor.Id))!;
        Assert.Equal(people.Select(p => $"ecid:{p.Device}").Order(), view.Identities.Select(i => i.ToString()).Order());
        Assert.Equal(eventIds.Order(), view.Events.Select(e => e.Id).Order());
        Assert.Equal(eventIds.Length, view.Stats.EventCount);
    }
}
