using ProfileGrid.Demo;

namespace ProfileGrid.Cluster.Tests.Identity;

public sealed class DemoConsistencyTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Theory]
    [InlineData(1, 250)]
    [InlineData(2, 50)]
    [InlineData(3, 20)]
    public async Task Loading_the_demo_in_parallel_batches_leaves_every_identity_pointing_at_the_profile_that_holds_it(int seed, int batchSize)
    {
        // Each seed replays different histories over overlapping identities, so later runs stitch into
        // what earlier runs built: merges, moves and claims race across the batches.
        var generated = LumaDemo.Generate(DateTimeOffset.UtcNow, seed: seed);
        var data = generated with { Events = [.. generated.Events.Select(e => e with { Id = $"s{seed}-{e.Id}" })] };
        var ingest = _grains.GetGrain<IIngestGrain>(0);
        var traitsLoaded = Task.WhenAll(data.Traits.Chunk(40).Select(async chunk =>
        {
            foreach (var traits in chunk)
                await ingest.SetTraits(IdentityRules.Default.Normalize(traits.Namespace, traits.Id), traits.TraitsJson, traits.ObservedAt);
        }));
        var results = await Task.WhenAll(data.Events.Chunk(batchSize).Select(batch => _grains.Ingest([.. batch])));
        await traitsLoaded;
        Assert.All(results, r => Assert.Empty(r.Rejected));
        Assert.Equal(data.Events.Count, results.Sum(r => r.Accepted));

        var identities = data.Events.SelectMany(e => e.Identities)
            .Select(i => IdentityRules.Default.Normalize(i.Namespace, i.Id)).Distinct().ToList();
        var problems = new List<string>();
        var eventsSeen = new HashSet<string>();
        var profilesChecked = new HashSet<string>();
        foreach (var identity in identities)
        {
            var owner = await _grains.GetGrain<IIdentityGrain>(identity.ToString()).GetOwner();
            if (owner is null)
            {
                // The seeds give the same crmIds to different people, so some identities meet a person who
                // already holds another of their unique namespace: those are left unlinked and reported.
                var reported = results.SelectMany(r => r.Warnings).Any(w => w.Message.StartsWith($"{identity}: not linked", StringComparison.Ordinal));
                if (!reported) problems.Add($"{identity}: no owner, and no warning said it was left unlinked");
                continue;
            }
            var view = await _grains.ById(owner);
            if (view is null) { problems.Add($"{identity}: owner {owner} has no profile"); continue; }
            if (!view.Identities.Contains(identity)) problems.Add($"{identity}: points at {view.Id}, which does not hold it");
            if (!profilesChecked.Add(view.Id)) continue;
            foreach (var member in view.Identities)
            {
                var memberOwner = await _grains.GetGrain<IIdentityGrain>(member.ToString()).GetOwner();
                var resolved = memberOwner is null ? null : (await _grains.ById(memberOwner))?.Id;
                if (resolved != view.Id) problems.Add($"{member}: in {view.Id} but resolves to {resolved ?? "nothing"} (pointer {memberOwner ?? "null"})");
            }
            foreach (var e in view.Events) if (!eventsSeen.Add(e.Id)) problems.Add($"event {e.Id} on two profiles");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Superset(data.Events.Select(e => e.Id!).ToHashSet(), eventsSeen);

        var sarah = (await _grains.Lookup("email", "Sarah@Luma.example"))!;
        Assert.Equal((await _grains.Lookup("crmId", LumaDemo.Sarah.CrmId))!.Id, sarah.Id);
        Assert.Contains(new IdentityKey("ecid", LumaDemo.Sarah.DevicePhone), sarah.Identities);
    }
}
