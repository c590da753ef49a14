using ProfileGrid.Demo;

namespace ProfileGrid.Api.FunctionalTests;

/// <summary>The Luma story of DESIGN.md, end to end: the demo loaded by the silo, read back through GraphQL.</summary>
public sealed class DemoStoryTests(DemoSiloApiFactory api) : IClassFixture<DemoSiloApiFactory>
{
    private const string ProfileQuery = """
        query($ns: String!, $id: String!) {
          profile(namespace: $ns, id: $id) {
            id
            identities { namespace id }
            links { from { namespace id } to { namespace id } at sourceEventId }
            traits
            events(last: 200) { id type timestamp channel campaign revenue attributes }
            stats { eventCount purchaseCount lifetimeRevenue lastPurchaseAt firstSeen lastSeen mostEngagedChannel eventCountsByType { type count } }
          }
        }
        """;

    [Fact]
    public async Task Sarah_is_one_person_found_by_any_of_her_identities_with_her_whole_story()
    {
        var sarah = await WhenLoaded("email", "Sarah@Luma.example");
        var id = sarah["id"]!.GetValue<string>();

        foreach (var (ns, value) in new[]
                 {
                     ("crmId", LumaDemo.Sarah.CrmId), ("loyaltyId", LumaDemo.Sarah.LoyaltyId), ("phone", LumaDemo.Sarah.Phone),
                     ("ecid", LumaDemo.Sarah.DeviceLaptop), ("ecid", LumaDemo.Sarah.DevicePhone),
                 })
            Assert.Equal(id, (await Profile(ns, value))!["id"]!.GetValue<string>());

        var events = sarah["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
        // The anonymous part: the ad click on her phone came before she signed in, and followed the device to her.
        var adClick = Assert.Single(events, e => e["type"]!.GetValue<string>() == "ad.click" && e["campaign"]?.GetValue<string>() == LumaDemo.Sarah.AdCampaign);
        var signIn = sarah["links"]!.AsArray().Single(l =>
            Ends(l!, "email", LumaDemo.Sarah.Email) && Ends(l!, "ecid", LumaDemo.Sarah.DevicePhone));
        Assert.True(adClick["timestamp"]!.GetValue<DateTimeOffset>() < signIn!["at"]!.GetValue<DateTimeOffset>());
        Assert.Contains(events, e => e["type"]!.GetValue<string>() == "commerce.addToCart" && e["attributes"]?["sku"]?.GetValue<string>() == LumaDemo.Sarah.YogaShortsSku);

        // Past purchases online and in store, and the yoga shorts order.
        var purchases = events.Where(e => e["type"]!.GetValue<string>() == "commerce.purchase").ToList();
        Assert.Contains(purchases, p => p["channel"]!.GetValue<string>() == "store");
        Assert.Contains(purchases, p => p["channel"]!.GetValue<string>() is "web" or "mobile");
        Assert.Contains(purchases, p => p["attributes"]?["orderId"]?.GetValue<string>() == LumaDemo.Sarah.YogaShortsOrderId);
        var stats = sarah["stats"]!;
        Assert.Equal(purchases.Count, stats["purchaseCount"]!.GetValue<int>());
        Assert.Equal(purchases.Sum(p => p["revenue"]!.GetValue<double>()), stats["lifetimeRevenue"]!.GetValue<double>(), 2);
        Assert.Equal(events.Count, stats["eventCount"]!.GetValue<int>());

        Assert.Equal(LumaDemo.Sarah.LoyaltyTier, sarah["traits"]!["loyaltyTier"]!.GetValue<string>());
        Assert.Equal(6, sarah["identities"]!.AsArray().Count);
    }

    [Fact]
    public async Task Shared_laptop_is_two_people_and_the_device_follows_whoever_signed_in_last()
    {
        var second = await WhenLoaded("crmId", LumaDemo.SharedLaptop.SecondCrmId);
        var first = (await Profile("crmId", LumaDemo.SharedLaptop.FirstCrmId))!;

        Assert.NotEqual(first["id"]!.GetValue<string>(), second["id"]!.GetValue<string>());
        Assert.Equal(second["id"]!.GetValue<string>(), (await Profile("ecid", LumaDemo.SharedLaptop.Ecid))!["id"]!.GetValue<string>());
        Assert.DoesNotContain(first["identities"]!.AsArray(), i => i!["id"]!.GetValue<string>() == LumaDemo.SharedLaptop.Ecid);
        Assert.Equal(LumaDemo.SharedLaptop.FirstEmail, (await Profile("email", LumaDemo.SharedLaptop.FirstEmail))!["identities"]!.AsArray()
            .Single(i => i!["namespace"]!.GetValue<string>() == "email")!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Contact_details_written_messily_are_one_identity_each()
    {
        var byCrm = await WhenLoaded("crmId", LumaDemo.MessyContact.CrmId);
        Assert.Equal(byCrm["id"]!.GetValue<string>(), (await Profile("phone", LumaDemo.MessyContact.PhoneAsWritten))!["id"]!.GetValue<string>());
        Assert.Equal(byCrm["id"]!.GetValue<string>(), (await Profile("email", LumaDemo.MessyContact.EmailAsWritten))!["id"]!.GetValue<string>());
        var identities = byCrm["identities"]!.AsArray().Select(i => $"{i!["namespace"]}:{i["id"]}").ToList();
        Assert.Contains($"phone:{LumaDemo.MessyContact.Phone}", identities);
        Assert.Contains($"email:{LumaDemo.MessyContact.Email}", identities);
        Assert.Equal(identities.Count, identities.Distinct().Count());
    }

    [Fact]
    public async Task The_crowd_is_hundreds_of_people_with_varied_histories()
    {
        await WhenLoaded("email", LumaDemo.Sarah.Email);
        var data = LumaDemo.Generate(DateTimeOffset.UtcNow);
        var emails = data.Events.SelectMany(e => e.Identities).Where(i => i.Namespace == "email").Select(i => i.Id!.Trim().ToLowerInvariant()).Distinct().Take(40).ToList();
        var channels = new HashSet<string>();
        var profiles = new HashSet<string>();
        foreach (var email in emails)
        {
            var profile = await Profile("email", email);
            Assert.True(profile is JsonObject, $"{email} not found");
            profiles.Add(profile!["id"]!.GetValue<string>());
            foreach (var e in profile["events"]!.AsArray()) if (e!["channel"]?.GetValue<string>() is { } c) channels.Add(c);
        }
        Assert.True(profiles.Count >= 30, $"only {profiles.Count} distinct people among {emails.Count} emails");
        Assert.True(channels.Count >= 6, $"only channels {string.Join(", ", channels)}");
    }

    [Fact]
    public async Task Demo_segments_are_defined_evaluated_over_the_loaded_people_and_Sarah_is_in_the_ones_her_story_qualifies_for()
    {
        await WhenLoaded("email", LumaDemo.Sarah.Email);
        const string query = """
            query($id: ID!, $email: String!) {
              segment(id: $id) { id name expression size evaluation { status evaluated total } }
              profile(namespace: "email", id: $email) { segments { segment { id } status } }
            }
            """;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        foreach (var expected in LumaSegments.All)
        {
            while (true)
            {
                var data = await api.GraphQL(query, new { id = expected.Id, email = LumaDemo.Sarah.Email });
                var segment = data["segment"];
                if (segment is JsonObject && segment["evaluation"]!["status"]!.GetValue<string>() == "COMPLETED")
                {
                    Assert.Equal(expected.Name, segment["name"]!.GetValue<string>());
                    Assert.Equal(expected.Expression, segment["expression"]!.GetValue<string>());
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"demo segment {expected.Id} was not defined and evaluated within 90 s: {segment?.ToJsonString()}");
                await Task.Delay(250);
            }
        }

        // Sarah: a plus member (trait), who has spent well over 100 (inSegment plus stats) and has an email.
        var realized = new HashSet<string>();
        while (true)
        {
            var sarah = (await api.GraphQL(query, new { id = LumaSegments.PlusMembers, email = LumaDemo.Sarah.Email }))["profile"]!;
            realized = sarah["segments"]!.AsArray().Where(m => m!["status"]!.GetValue<string>() == "REALIZED")
                .Select(m => m!["segment"]!["id"]!.GetValue<string>()).ToHashSet();
            if (realized.IsSupersetOf([LumaSegments.PlusMembers, LumaSegments.PlusHighValue, LumaSegments.Reachable])) break;
            Assert.True(DateTime.UtcNow < deadline, $"Sarah is only in {string.Join(", ", realized)}");
            await Task.Delay(250);
        }

        // The plus audience holds more than Sarah: the crowd has plus members too.
        var plus = (await api.GraphQL(query, new { id = LumaSegments.PlusMembers, email = LumaDemo.Sarah.Email }))["segment"]!;
        Assert.True(plus["size"]!.GetValue<long>() > 1, $"luma-plus has {plus["size"]} member(s)");
    }

    private static bool Ends(JsonNode link, string ns, string id) =>
        new[] { link["from"]!, link["to"]! }.Any(end => end["namespace"]!.GetValue<string>() == ns && end["id"]!.GetValue<string>() == id);

    private async Task<JsonObject?> Profile(string ns, string id) =>
        (await api.GraphQL(ProfileQuery, new { ns, id }))["profile"] as JsonObject;

    /// <summary>The demo loads in the background after start-up; traits come last, so wait for them.</summary>
    private async Task<JsonObject> WhenLoaded(string ns, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var sarah = await Profile("email", LumaDemo.Sarah.Email);
            if (sarah?["traits"]?["loyaltyTier"] is not null && (await Profile("crmId", LumaDemo.SharedLaptop.FirstCrmId))?["traits"] is JsonObject { Count: > 0 })
                return (await Profile(ns, id))!;
            Assert.True(DateTime.UtcNow < deadline, "the demo did not finish loading within 90 s");
            await Task.Delay(250);
        }
    }
}
