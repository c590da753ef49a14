using ProfileGrid.Events;
using S = ProfileGrid.Demo.LumaDemo.Sarah;

namespace ProfileGrid.Demo.UnitTests;

public class SarahStoryTests
{
    private static readonly IReadOnlyList<RawEvent> Events = Demo.Default.Events;

    /// <summary>The index of the first event after <paramref name="after"/> matching the step; fails naming it.</summary>
    private static int Step(string name, int after, Func<RawEvent, bool> match)
    {
        for (var i = after + 1; i < Events.Count; i++)
            if (match(Events[i])) return i;
        Assert.Fail($"Sarah's story: no '{name}' after {(after < 0 ? "the start" : Events[after].Id)}");
        return -1;
    }

    [Fact]
    public void The_recent_story_happens_in_order_in_the_last_few_days()
    {
        var adClick = Step("anonymous ad click on her phone", -1, e =>
            e.Type == "ad.click" && e.Channel == "ad" && e.Campaign == S.AdCampaign && e.HasOnly("ecid", S.DevicePhone));
        var views = Step("anonymous view of the yoga shorts", adClick, e =>
            e.Type == "commerce.productView" && e.HasOnly("ecid", S.DevicePhone) && e.Attribute("sku") == S.YogaShortsSku);
        var cart = Step("anonymous add to cart", views, e =>
            e.Type == "commerce.addToCart" && e.HasOnly("ecid", S.DevicePhone) && e.Attribute("sku") == S.YogaShortsSku);
        var login = Step("sign-in with email on the phone", cart, e =>
            e.Type == "web.login" && e.Has("ecid", S.DevicePhone) && e.Has("email", S.Email));
        var call = Step("call to the call center by phone", login, e =>
            e.Type == "call.inbound" && e.Channel == "callCenter" && e.HasOnly("phone", S.Phone));
        var purchase = Step("purchase of the shorts", call, e =>
            e.Type == "commerce.purchase" && e.Channel is "web" or "mobile" && e.Has("ecid", S.DevicePhone)
            && e.Revenue > 0 && e.Campaign == S.AdCampaign && e.Attribute("orderId") == S.YogaShortsOrderId);
        var email = Step("confirmation email with the offer", purchase, e =>
            e.Type == "email.send" && e.Has("email", S.Email) && e.Attribute("offerId") == S.OfferId && e.Attribute("orderId") == S.YogaShortsOrderId);
        var push = Step("push re-message", email, e =>
            e.Type == "push.send" && e.Has("ecid", S.DevicePhone) && e.Attribute("offerId") == S.OfferId);
        var pushOpen = Step("push opened", push, e => e.Type == "push.open" && e.Has("ecid", S.DevicePhone));
        var registration = Step("class registration", pushOpen, e =>
            e.Type == "class.registration" && e.Has("crmId", S.CrmId) && e.Attribute("classId") == S.YogaClassId);
        var attended = Step("class attended in store", registration, e =>
            e.Type == "class.attended" && e.Channel == "store" && e.Has("loyaltyId", S.LoyaltyId) && e.Attribute("storeId") == S.PreferredStore);

        // She ignores the email: no open or click of it, ever.
        Assert.DoesNotContain(Events.Skip(email), e => e.Type is "email.open" or "email.click" && e.Has("email", S.Email));
        // Nothing between the ad click and the sign-in identifies her.
        Assert.All(Events.Take(login).Skip(adClick).Where(e => e.Has("ecid", S.DevicePhone)), e => Assert.Single(e.Identities));
        // Compressed into the last few days; the ad click is "yesterday-ish".
        Assert.InRange(Demo.Now - Events[adClick].Time(), TimeSpan.FromHours(20), TimeSpan.FromHours(50));
        Assert.InRange(Demo.Now - Events[attended].Time(), TimeSpan.FromMinutes(1), TimeSpan.FromHours(6));
    }

    [Fact]
    public void Months_ago_she_bought_running_gear_in_store_and_online()
    {
        var storePurchases = Events.Where(e => e.Type == "commerce.purchase" && e.Channel == "store"
            && e.Has("loyaltyId", S.LoyaltyId) && e.Has("crmId", S.CrmId)).ToList();
        Assert.True(storePurchases.Count >= 2);
        Assert.All(storePurchases, e => Assert.True(Demo.Now - e.Time() > TimeSpan.FromDays(30)));

        var online = Assert.Single(Events, e => e.Type == "commerce.purchase" && e.Channel == "web"
            && e.Has("crmId", S.CrmId) && e.Has("email", S.Email) && e.Has("ecid", S.DeviceLaptop));
        Assert.True(Demo.Now - online.Time() > TimeSpan.FromDays(60));
        Assert.Contains("running", online.AttributesJson, StringComparison.Ordinal);

        // Her phone number is linked to her CRM id before the recent call (a verified call months ago).
        Assert.Contains(Events, e => e.Has("phone", S.Phone) && e.Has("crmId", S.CrmId) && Demo.Now - e.Time() > TimeSpan.FromDays(30));
    }

    [Fact]
    public void Her_traits_say_who_she_is_and_what_she_consented_to()
    {
        var crm = Assert.Single(Demo.Default.Traits, t => t.Namespace == "crmId" && t.Id == S.CrmId);
        using var document = JsonDocument.Parse(crm.TraitsJson);
        var traits = document.RootElement;
        Assert.Equal(S.FirstName, traits.GetProperty("firstName").GetString());
        Assert.Equal(S.LastName, traits.GetProperty("lastName").GetString());
        Assert.Equal("plus", traits.GetProperty("loyaltyTier").GetString());
        Assert.Equal("US", traits.GetProperty("country").GetString());
        Assert.Equal(S.City, traits.GetProperty("city").GetString());
        Assert.Equal(S.PreferredStore, traits.GetProperty("preferredStore").GetString());
        Assert.True(traits.GetProperty("birthYear").GetInt32() > 1900);
        var consent = traits.GetProperty("consent");
        Assert.True(consent.GetProperty("email").GetBoolean());
        Assert.True(consent.GetProperty("push").GetBoolean());
        Assert.False(consent.GetProperty("sms").GetBoolean());

        Assert.Single(Demo.Default.Traits, t => t.Namespace == "loyaltyId" && t.Id == S.LoyaltyId);
        // Consent says no SMS: she never gets one.
        Assert.DoesNotContain(Events, e => e.Type == "sms.send" && (e.Has("phone", S.Phone) || e.Has("crmId", S.CrmId)));
    }

    [Fact]
    public void Her_identities_belong_to_her_alone()
    {
        string[] mine = [S.Email, S.CrmId, S.LoyaltyId, S.Phone, S.DeviceLaptop, S.DevicePhone];
        var hers = Events.Where(e => e.Identities.Any(i => mine.Contains(i.Id))).ToList();
        Assert.All(hers, e => Assert.All(e.Identities, i => Assert.Contains(i.Id, mine)));
    }
}
