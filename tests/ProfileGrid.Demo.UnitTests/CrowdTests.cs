using ProfileGrid.Events;

namespace ProfileGrid.Demo.UnitTests;

public class CrowdTests
{
    private static readonly IReadOnlyList<RawEvent> Events = Demo.Default.Events;

    private static string? Crm(RawEvent e) => e.Identities.FirstOrDefault(i => i.Namespace == "crmId")?.Id;

    [Theory]
    [InlineData(300, 20261123)]
    [InlineData(300, 1)]
    [InlineData(1000, 42)]
    public void About_20_events_per_person(int people, int seed)
    {
        var dataset = people == LumaDemo.DefaultPeople && seed == LumaDemo.DefaultSeed ? Demo.Default : LumaDemo.Generate(Demo.Now, people, seed);
        var perPerson = dataset.Events.Count / (double)(people + 1);
        Assert.InRange(perPerson, 15, 25);
        Assert.All(dataset.Events, e => Assert.True(e.Time() < Demo.Now));
    }

    [Fact]
    public void There_are_a_few_hundred_customers_with_traits()
    {
        var crmTraits = Demo.Default.Traits.Where(t => t.Namespace == "crmId").ToList();
        Assert.InRange(crmTraits.Count, 250, 301);
        var documents = crmTraits.Select(t => JsonDocument.Parse(t.TraitsJson).RootElement).ToList();
        Assert.All(documents, d =>
        {
            foreach (var field in new[] { "firstName", "lastName", "loyaltyTier", "country", "city" })
                Assert.False(string.IsNullOrEmpty(d.GetProperty(field).GetString()), field);
            Assert.Equal(JsonValueKind.Object, d.GetProperty("consent").ValueKind);
        });
        var countries = documents.GroupBy(d => d.GetProperty("country").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(countries["US"] > documents.Count / 2);
        Assert.All(new[] { "CA", "GB", "DE" }, c => Assert.True(countries.GetValueOrDefault(c) > 0, c));
        // Plus members: about 20% of customers.
        var plus = documents.Count(d => d.GetProperty("loyaltyTier").GetString() == "plus");
        Assert.InRange(plus / (double)documents.Count, 0.1, 0.3);
    }

    [Fact]
    public void Identity_coverage_is_realistic()
    {
        var crmIds = Events.SelectMany(e => e.Identities).Where(i => i.Namespace == "crmId").Select(i => i.Id).Distinct().Count();
        var emails = Events.SelectMany(e => e.Identities).Where(i => i.Namespace == "email").Select(i => i.Id).Distinct().Count();
        var phones = Events.SelectMany(e => e.Identities).Where(i => i.Namespace == "phone").Select(i => i.Id).Distinct().Count();
        var loyalty = Events.SelectMany(e => e.Identities).Where(i => i.Namespace == "loyaltyId").Select(i => i.Id).Distinct().Count();
        var ecids = Events.SelectMany(e => e.Identities).Where(i => i.Namespace == "ecid").Select(i => i.Id).Distinct().Count();
        Assert.InRange(crmIds, 230, 301);
        Assert.InRange(emails, 200, 301);
        Assert.InRange(phones, 40, 200);
        Assert.InRange(loyalty, 20, 100);
        Assert.InRange(ecids, 400, 900); // 1 to 3 devices each
    }

    [Fact]
    public void Anonymous_browsing_is_later_stitched_by_a_sign_in()
    {
        var firstLogin = Events.Where(e => e.Type == "web.login")
            .SelectMany(e => e.Identities.Where(i => i.Namespace == "ecid").Select(i => (Ecid: i.Id!, Time: e.Time())))
            .GroupBy(x => x.Ecid).ToDictionary(g => g.Key, g => g.Min(x => x.Time));
        var stitchedLater = Events.Where(e => e.Identities.Length == 1 && e.Identities[0].Namespace == "ecid"
                && firstLogin.TryGetValue(e.Identities[0].Id!, out var login) && e.Time() < login)
            .Select(e => e.Identities[0].Id).Distinct().Count();
        Assert.True(stitchedLater >= 100, $"{stitchedLater} devices browse anonymously before a sign-in");
        // And some devices never sign in at all.
        var neverSignedIn = Events.SelectMany(e => e.Identities).Where(i => i.Namespace == "ecid").Select(i => i.Id!)
            .Distinct().Count(ecid => !firstLogin.ContainsKey(ecid) && !Events.Any(e => e.Identities.Length > 1 && e.Has("ecid", ecid)));
        Assert.True(neverSignedIn >= 30, $"{neverSignedIn} anonymous-only devices");
    }

    [Fact]
    public void Spending_varies_from_browsers_to_high_spenders_and_lapsed_buyers()
    {
        var purchasesByCrm = Events.Where(e => e.Type == "commerce.purchase" && Crm(e) is not null)
            .GroupBy(e => Crm(e)!).ToDictionary(g => g.Key, g => g.ToList());
        var customers = Demo.Default.Traits.Where(t => t.Namespace == "crmId").Select(t => t.Id).ToList();

        var zero = customers.Count(c => !purchasesByCrm.ContainsKey(c));
        Assert.InRange(zero / (double)customers.Count, 0.2, 0.6);

        var high = purchasesByCrm.Count(p => p.Value.Sum(e => e.Revenue!.Value) >= 1000);
        Assert.InRange(high, 5, 60);

        var lapsed = purchasesByCrm.Count(p => p.Value.Max(e => Demo.Now - e.Time()) > TimeSpan.Zero
            && p.Value.Min(e => Demo.Now - e.Time()) is var sinceLast && sinceLast >= TimeSpan.FromDays(40) && sinceLast <= TimeSpan.FromDays(121));
        Assert.True(lapsed >= 15, $"{lapsed} lapsed buyers");
    }

    [Fact]
    public void Every_channel_and_campaign_kind_is_represented()
    {
        var campaigns = Events.Where(e => e.Campaign is not null).GroupBy(e => e.Campaign!).ToDictionary(g => g.Key, g => g.Count());
        foreach (var campaign in new[] { "spring-yoga-2026", "plus-member-offer", "running-shoes-search", "retargeting-cart", "newsletter-weekly" })
            Assert.True(campaigns.GetValueOrDefault(campaign) >= 10, campaign);
        Assert.True(Events.Count(e => e.Type == "email.open") < Events.Count(e => e.Type == "email.send"));
        Assert.True(Events.Count(e => e.Type == "email.click") < Events.Count(e => e.Type == "email.open"));
        Assert.True(Events.Count(e => e.Type == "ad.click") < Events.Count(e => e.Type == "ad.impression"));
        Assert.True(Events.Count(e => e.Type == "commerce.purchase" && e.Channel != "store") < Events.Count(e => e.Type == "commerce.addToCart"));
    }
}
