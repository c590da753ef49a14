using static ProfileGrid.Demo.Generation.Timeline;
using S = ProfileGrid.Demo.LumaDemo.Sarah;

namespace ProfileGrid.Demo.Generation;

/// <summary>Sarah's events and traits: the running example of the design, fixed for every seed.</summary>
internal static class SarahStory
{
    public static void Write(Timeline t, List<DemoTraits> traits)
    {
        var crm = Ids.Crm(S.CrmId);
        var loyalty = Ids.Loyalty(S.LoyaltyId);
        var email = Ids.Email(S.Email);
        var phone = Ids.Phone(S.Phone);
        var laptop = Ids.Ecid(S.DeviceLaptop);
        var mobile = Ids.Ecid(S.DevicePhone);

        var trailShoes = Catalog.Sku("RS-501");
        var socks = Catalog.Sku("RO-012");
        var tights = Catalog.Sku("RT-330");
        var jacket = Catalog.Sku("RJ-410");
        var shorts = Catalog.Sku(S.YogaShortsSku);
        var highRise = Catalog.Sku("YS-211");

        // ---- Months ago: a loyal runner, in store and online. ----
        var ago = Ago(days: 182, hours: 5);
        t.Add(ago, "commerce.purchase", "store", [loyalty, crm], revenue: trailShoes.Price + socks.Price,
            attributes: new JsonObj().Add("orderId", "POS-SF03-118204").Add("storeId", S.PreferredStore)
                .Add("items", [trailShoes.ToLine(1), socks.ToLine(1)]).Add("currency", "USD")
                .Add("paymentMethod", "card").Add("receipt", "paper"));

        ago = Ago(days: 170, hours: 2);
        t.Add(ago, "call.inbound", "callCenter", [phone, crm],
            attributes: new JsonObj().Add("callId", "CALL-2291834").Add("reason", "return")
                .Add("topic", "trail shoes: exchange for half a size up").Add("durationSec", 412L)
                .Add("agentId", "agent-09").Add("verified", true));

        // Online: search ad on the laptop, anonymous browsing, sign-in, purchase.
        ago = Ago(days: 97, hours: 3);
        t.Add(ago, "ad.click", "ad", [laptop], campaign: "running-shoes-search",
            attributes: new JsonObj().Add("adId", "rss-g-114").Add("placement", "google-search").Add("network", "google")
                .Add("keyword", "running tights women").Add("landingUrl", "/women/running?cid=running-shoes-search"));
        t.Add(ago - 20, "web.pageView", "web", [laptop], attributes: new JsonObj().Add("url", "/women/running").Add("referrer", "google.com"));
        t.Add(ago - 180, "commerce.productView", "web", [laptop], attributes: tights.ToJson());
        t.Add(ago - 300, "commerce.addToCart", "web", [laptop], attributes: tights.ToLine(1).Add("cartId", "cart-2b7e91f4"));
        t.Add(ago - 420, "web.login", "web", [laptop, email, crm], attributes: new JsonObj().Add("method", "password"));
        t.Add(ago - 540, "commerce.purchase", "web", [laptop, crm, email], campaign: "running-shoes-search", revenue: tights.Price,
            attributes: new JsonObj().Add("orderId", "LUMA-ORD-6620417").Add("items", [tights.ToLine(1)])
                .Add("currency", "USD").Add("paymentMethod", "card").Add("shipping", "standard"));
        t.Add(ago - 600, "email.send", "email", [email],
            attributes: new JsonObj().Add("messageId", "msg-6620417-conf").Add("template", "order-confirmation").Add("orderId", "LUMA-ORD-6620417"));
        t.Add(ago - Ago(hours: 4), "email.open", "email", [email],
            attributes: new JsonObj().Add("messageId", "msg-6620417-conf"));

        ago = Ago(days: 75, hours: 8);
        t.Add(ago, "email.send", "email", [email], campaign: "newsletter-weekly",
            attributes: new JsonObj().Add("messageId", "msg-nl-0412-sarah").Add("subject", "New season running arrivals"));
        t.Add(ago - Ago(hours: 2), "email.open", "email", [email], campaign: "newsletter-weekly",
            attributes: new JsonObj().Add("messageId", "msg-nl-0412-sarah"));
        t.Add(ago - Ago(hours: 2, minutes: 1), "email.click", "email", [email], campaign: "newsletter-weekly",
            attributes: new JsonObj().Add("messageId", "msg-nl-0412-sarah").Add("linkUrl", "/women/running/new"));
        t.Add(ago - Ago(hours: 2, minutes: 2), "web.pageView", "web", [laptop, crm],
            attributes: new JsonObj().Add("url", "/women/running/new").Add("referrer", "email"));
        t.Add(ago - Ago(hours: 2, minutes: 4), "commerce.productView", "web", [laptop, crm], attributes: jacket.ToJson());

        ago = Ago(days: 58, hours: 6);
        t.Add(ago, "commerce.purchase", "store", [loyalty, crm], revenue: jacket.Price,
            attributes: new JsonObj().Add("orderId", "POS-SF03-124577").Add("storeId", S.PreferredStore)
                .Add("items", [jacket.ToLine(1)]).Add("currency", "USD").Add("paymentMethod", "card").Add("receipt", "email"));

        ago = Ago(days: 40, hours: 7);
        t.Add(ago, "email.send", "email", [email], campaign: "newsletter-weekly",
            attributes: new JsonObj().Add("messageId", "msg-nl-0511-sarah").Add("subject", "Yoga week at Luma"));
        t.Add(ago - Ago(minutes: 50), "email.open", "email", [email], campaign: "newsletter-weekly",
            attributes: new JsonObj().Add("messageId", "msg-nl-0511-sarah"));

        t.Add(Ago(days: 21, hours: 4), "store.visit", "store", [loyalty, crm],
            attributes: new JsonObj().Add("storeId", S.PreferredStore).Add("detectedBy", "loyalty-scan"));

        t.Add(Ago(days: 12, hours: 9), "email.send", "email", [email], campaign: "loyalty-double-points",
            attributes: new JsonObj().Add("messageId", "msg-ldp-0601-sarah").Add("subject", "Double points this weekend"));

        // ---- Yesterday: the ad click on her phone, anonymous browsing, then she signs in. ----
        var ad = new JsonObj().Add("adId", "sy26-ig-story-03").Add("placement", "instagram-stories")
            .Add("network", "meta").Add("creative", "yoga-shorts-sunrise");
        t.Add(Ago(hours: 30, minutes: 30), "ad.impression", "ad", [mobile], campaign: S.AdCampaign, attributes: ad);

        ago = Ago(hours: 29);
        t.Add(ago, "ad.click", "ad", [mobile], campaign: S.AdCampaign,
            attributes: new JsonObj().Add("adId", "sy26-ig-story-03").Add("placement", "instagram-stories")
                .Add("network", "meta").Add("landingUrl", "/women/yoga?cid=spring-yoga-2026"));
        t.Add(ago - 20, "web.pageView", "mobile", [mobile],
            attributes: new JsonObj().Add("url", "/women/yoga").Add("referrer", "instagram.com"));
        t.Add(ago - Ago(minutes: 2), "commerce.productView", "mobile", [mobile], attributes: shorts.ToJson());
        t.Add(ago - Ago(minutes: 4), "commerce.productView", "mobile", [mobile], attributes: highRise.ToJson());
        t.Add(ago - Ago(minutes: 6), "commerce.productView", "mobile", [mobile], attributes: shorts.ToJson());
        t.Add(ago - Ago(minutes: 7), "commerce.addToCart", "mobile", [mobile],
            attributes: shorts.ToLine(1).Add("size", "M").Add("cartId", "cart-5d1f0c2a"));
        // The sign-in: phone ECID and email in one event stitch the anonymous history to Sarah.
        t.Add(ago - Ago(minutes: 12), "web.login", "mobile", [mobile, email],
            attributes: new JsonObj().Add("method", "password").Add("cartId", "cart-5d1f0c2a")
                .Add("cartItems", [shorts.ToLine(1)]));
        t.Add(ago - Ago(minutes: 13), "web.pageView", "mobile", [mobile, email],
            attributes: new JsonObj().Add("url", "/cart").Add("cartId", "cart-5d1f0c2a"));

        // ---- She calls: the rep finds her by phone number. ----
        t.Add(Ago(hours: 27), "call.inbound", "callCenter", [phone],
            attributes: new JsonObj().Add("callId", "CALL-3310578").Add("reason", "sizing-question")
                .Add("topic", "yoga shorts fit").Add("durationSec", 364L).Add("agentId", "agent-17").Add("queue", "plus-members"));

        // ---- She buys the shorts; the confirmation email carries the free yoga class offer. ----
        ago = Ago(hours: 26, minutes: 40);
        t.Add(ago, "web.pageView", "mobile", [mobile, email], attributes: new JsonObj().Add("url", "/cart").Add("cartId", "cart-5d1f0c2a"));
        t.Add(ago - 120, "commerce.purchase", "mobile", [mobile, email], campaign: S.AdCampaign, revenue: shorts.Price,
            attributes: new JsonObj().Add("orderId", S.YogaShortsOrderId).Add("items", [shorts.ToLine(1).Add("size", "M")])
                .Add("currency", "USD").Add("paymentMethod", "apple-pay").Add("shipping", "standard")
                .Add("utm", new JsonObj().Add("source", "instagram").Add("medium", "paid-social").Add("campaign", S.AdCampaign)));
        t.Add(ago - 180, "email.send", "email", [email], campaign: S.OfferCampaign,
            attributes: new JsonObj().Add("messageId", "msg-7781042-conf").Add("template", "order-confirmation")
                .Add("orderId", S.YogaShortsOrderId).Add("offerId", S.OfferId)
                .Add("subject", "Your Luma order and a free yoga class for you"));
        // No email.open: she ignores it. The journey re-messages her by push.

        ago = Ago(hours: 5);
        var push = new JsonObj().Add("messageId", "msg-push-7781-yoga").Add("offerId", S.OfferId)
            .Add("journeyId", "free-yoga-class-followup").Add("title", "Your free yoga class is waiting");
        t.Add(ago, "push.send", "push", [mobile, crm], campaign: S.OfferCampaign, attributes: push);
        t.Add(ago - Ago(minutes: 8), "push.open", "push", [mobile, crm], campaign: S.OfferCampaign,
            attributes: new JsonObj().Add("messageId", "msg-push-7781-yoga").Add("offerId", S.OfferId));
        var classStart = t.At(Ago(hours: 1, minutes: 45));
        t.Add(ago - Ago(minutes: 10), "class.registration", "mobile", [mobile, crm],
            attributes: new JsonObj().Add("classId", S.YogaClassId).Add("className", "Beginner vinyasa flow")
                .Add("storeId", S.PreferredStore).Add("offerId", S.OfferId).Add("startsAt", Iso(classStart)));
        t.Add(Ago(hours: 1, minutes: 50), "class.attended", "store", [loyalty, crm],
            attributes: new JsonObj().Add("classId", S.YogaClassId).Add("storeId", S.PreferredStore)
                .Add("offerId", S.OfferId).Add("checkIn", "loyalty-card"));

        var origin = t.Origin;
        traits.Add(new DemoTraits("crmId", S.CrmId,
            new JsonObj().Add("firstName", S.FirstName).Add("lastName", S.LastName).Add("birthYear", 1991L)
                .Add("loyaltyTier", S.LoyaltyTier).Add("country", "US").Add("city", S.City).Add("postalCode", "94110")
                .Add("preferredStore", S.PreferredStore).Add("favoriteCategory", Catalog.Running)
                .Add("consent", new JsonObj().Add("email", true).Add("push", true).Add("sms", false)).ToString(),
            origin.AddDays(-20).AddHours(-3)));
        traits.Add(new DemoTraits("loyaltyId", S.LoyaltyId,
            new JsonObj().Add("loyaltyTier", S.LoyaltyTier).Add("loyaltyPoints", 2480L)
                .Add("memberSince", origin.AddDays(-800).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToString(),
            origin.AddDays(-2).AddHours(-6)));
    }
}
