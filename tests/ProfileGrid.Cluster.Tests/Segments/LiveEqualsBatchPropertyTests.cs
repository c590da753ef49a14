using System.Text.Json;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// The property the live path must keep: random event streams, trait updates, merges and unlinks, applied as they
/// come, leave every profile with exactly the memberships a from-scratch evaluation of its final state gives
/// (and every audience with exactly those members).
/// </summary>
[Collection(SegmentsClusterCollection.Name)]
public sealed class LiveEqualsBatchPropertyTests(SegmentsClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Live_memberships_equal_a_from_scratch_evaluation_of_the_final_profiles(int seed)
    {
        var run = $"p{seed}-{Guid.NewGuid().ToString("N")[..6]}";
        var segments = SegmentsFor(run);
        foreach (var (id, expression) in segments) await fixture.Define(id, expression);

        var random = new Random(seed);
        var now = fixture.Clock.GetUtcNow();
        var people = Enumerable.Range(0, 6).Select(p => $"{run}-person{p}@luma.example").ToList();
        var devices = Enumerable.Range(0, 10).Select(d => $"{run}-device{d}").ToList();
        string[] types = ["commerce.purchase", "commerce.addToCart", "commerce.productView", "web.pageView"];
        string[] categories = ["yoga", "running", "hiking"];
        for (var step = 0; step < 60; step++)
        {
            var roll = random.Next(100);
            var device = devices[random.Next(devices.Count)];
            var person = people[random.Next(people.Count)];
            if (roll < 60)
            {
                var type = types[random.Next(types.Length)];
                var at = now.AddHours(-random.Next(1, 24 * 45));
                (string, string)[] identities = random.Next(3) == 0 ? [("ecid", device), ("email", person)] : [("ecid", device)];
                var e = Grid.Event(type, identities).At(at,
                    revenue: type == "commerce.purchase" ? random.Next(5, 120) : null,
                    attributes: $"{{\"run\":\"{run}\",\"category\":\"{categories[random.Next(categories.Length)]}\"}}");
                await _grains.IngestAccepted(e with { Channel = random.Next(2) == 0 ? "web" : "app" });
            }
            else if (roll < 75)
            {
                await _grains.SetTraits("email", person, $"{{\"tier\":\"{(random.Next(2) == 0 ? "plus" : "basic")}\",\"country\":\"{(random.Next(2) == 0 ? "US" : "FR")}\"}}",
                    now.AddSeconds(-random.Next(1, 1000)));
            }
            else if (roll < 88)
            {
                await _grains.IngestAccepted(Grid.Event("web.login", ("email", person), ("ecid", device)).At(now.AddMinutes(-random.Next(1, 600)), attributes: $"{{\"run\":\"{run}\"}}"));
            }
            else
            {
                if (random.Next(2) == 0) await _grains.Unlink("ecid", device);
                else await _grains.Unlink("email", person);
            }
        }

        var catalog = LoadedCatalog.From((await fixture.Registry.GetCatalog(-1))!, LoadedCatalog.Empty);
        var profiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var identity in people.Select(p => ("email", p)).Concat(devices.Select(d => ("ecid", d))))
            if (await _grains.Lookup(identity.Item1, identity.Item2, lastEvents: 0) is { } view) profiles.Add(view.Id);
        Assert.NotEmpty(profiles);

        var expectedAudiences = segments.Keys.ToDictionary(id => id, _ => new HashSet<string>(StringComparer.Ordinal));
        foreach (var profileId in profiles)
        {
            var view = (await _grains.ById(profileId))!;
            var expected = FromScratch(view, catalog, now);
            var live = (await _grains.SegmentsOf(profileId)).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(expected.Where(segments.ContainsKey).Order(StringComparer.Ordinal), live.Where(segments.ContainsKey).Order(StringComparer.Ordinal));
            foreach (var id in expected.Where(segments.ContainsKey)) expectedAudiences[id].Add(profileId);
        }
        foreach (var (id, members) in expectedAudiences)
        {
            var audience = await _grains.Audience(id);
            Assert.Equal(members.Order(StringComparer.Ordinal), audience.Where(profiles.Contains).Order(StringComparer.Ordinal));
            // Members from elsewhere (other tests' people match "plus" too) must say so themselves.
            foreach (var other in audience.Where(m => !profiles.Contains(m)))
                Assert.Contains(id, await _grains.SegmentsOf(other));
        }
    }

    /// <summary>Mixed shapes: events by type and attribute, windows, absences, sequences, aggregates, traits, stats, identities, inSegment.</summary>
    private static Dictionary<string, string> SegmentsFor(string run) => new()
    {
        [$"{run}-yoga"] = $"count(events where type = \"commerce.purchase\" and attributes.category = \"yoga\" and attributes.run = \"{run}\") >= 1",
        [$"{run}-lapsed"] = $"exists(events where type = \"commerce.purchase\" and attributes.run = \"{run}\") and not exists(events where type = \"commerce.purchase\" within 30d)",
        [$"{run}-cart"] = $"exists(events where type = \"commerce.addToCart\" and attributes.run = \"{run}\" within 7d) and not exists(events where type = \"commerce.purchase\" within 7d)",
        [$"{run}-plus"] = "traits.tier = \"plus\"",
        [$"{run}-plus-rich"] = $"inSegment(\"{run}-plus\") and stats.lifetimeRevenue > 100",
        [$"{run}-known"] = $"hasIdentity(\"email\") or traits.country in [\"US\", \"CA\"]",
        [$"{run}-funnel"] = $"sequence(events where type = \"commerce.productView\" and attributes.run = \"{run}\", events where type = \"commerce.addToCart\") within 7d",
        [$"{run}-spend"] = $"sum(revenue of events where type = \"commerce.purchase\" and attributes.run = \"{run}\" within 20d) >= 50",
    };

    private static HashSet<string> FromScratch(ProfileView view, LoadedCatalog catalog, DateTimeOffset now)
    {
        var members = new HashSet<string>(StringComparer.Ordinal);
        var subject = new SegmentSubject
        {
            Traits = JsonDocument.Parse(view.TraitsJson).RootElement.Clone(),
            Events = [.. view.Events.OrderBy(e => e.Timestamp).Select(e => new SegmentEvent(e.Type, e.Timestamp, e.Channel, e.Campaign, e.Revenue,
                e.AttributesJson is null ? default : JsonDocument.Parse(e.AttributesJson).RootElement.Clone()))],
            Stats = new ProfileGrid.Segments.ProfileStatsView
            {
                EventCount = view.Stats.EventCount,
                PurchaseCount = view.Stats.PurchaseCount,
                LifetimeRevenue = view.Stats.LifetimeRevenue,
                FirstSeen = view.Stats.FirstSeen,
                LastSeen = view.Stats.LastSeen,
                LastPurchaseAt = view.Stats.LastPurchaseAt,
                MostEngagedChannel = view.Stats.MostEngagedChannel,
            },
            IdentityNamespaces = view.Identities.Select(i => i.Namespace).ToHashSet(),
            Segments = members,
        };
        foreach (var id in catalog.Catalog.EvaluationOrder)
            if (catalog.Catalog[id].Evaluate(subject, now)) members.Add(id);
        return members;
    }
}
