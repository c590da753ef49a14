using ProfileGrid.Events;
using static ProfileGrid.Demo.Generation.Timeline;
using Laptop = ProfileGrid.Demo.LumaDemo.SharedLaptop;
using Messy = ProfileGrid.Demo.LumaDemo.MessyContact;

namespace ProfileGrid.Demo.Generation;

/// <summary>
/// The other customers: random but plausible histories across channels and campaigns, plus the
/// scripted identity edge cases (shared family laptop, non-normalised phone and email).
/// Each person draws from their own random stream, so person i is the same whatever the count.
/// </summary>
internal sealed class Crowd(Timeline t, List<DemoTraits> traits, int seed)
{
    private readonly HashSet<string> _identities = new(StringComparer.Ordinal)
    {
        $"crmId:{LumaDemo.Sarah.CrmId}", $"email:{LumaDemo.Sarah.Email}", $"loyaltyId:{LumaDemo.Sarah.LoyaltyId}",
        $"phone:{LumaDemo.Sarah.Phone}", $"ecid:{LumaDemo.Sarah.DeviceLaptop}", $"ecid:{LumaDemo.Sarah.DevicePhone}",
        $"ecid:{Laptop.Ecid}", $"crmId:{Laptop.FirstCrmId}", $"crmId:{Laptop.SecondCrmId}",
        $"email:{Laptop.FirstEmail}", $"email:{Laptop.SecondEmail}",
        $"crmId:{Messy.CrmId}", $"email:{Messy.Email}", $"phone:{Messy.Phone}",
    };

    public void Generate(int people)
    {
        var persons = new List<(Person Person, DemoRandom Random)>(people);
        for (var i = 0; i < people; i++)
        {
            var rng = DemoRandom.For(seed, i);
            persons.Add((Create(i, rng), rng));
        }
        foreach (var (person, rng) in persons)
        {
            History(person, rng);
            Traits(person, rng);
        }
        if (people >= 2) SharedLaptopScript(persons[0].Person, persons[1].Person);
        if (people >= 3) MessyContactScript(persons[2].Person);
    }

    // ------------------------------------------------------------------ people

    private Person Create(int index, DemoRandom rng) => index switch
    {
        0 => Scripted(index, rng, "Daniel", "Kim", "Seattle", Laptop.FirstCrmId, Laptop.FirstEmail, null, Catalog.Running, false, plus: false),
        1 => Scripted(index, rng, "Mina", "Kim", "Seattle", Laptop.SecondCrmId, Laptop.SecondEmail, null, Catalog.Yoga, true, plus: true),
        2 => Scripted(index, rng, "Jordan", "Reyes", "San Francisco", Messy.CrmId, Messy.Email, Messy.Phone, Catalog.Hiking, false, plus: false),
        _ => Random(index, rng),
    };

    private Person Scripted(int index, DemoRandom rng, string first, string last, string city, string crmId,
        string email, string? phone, string interest, bool women, bool plus)
    {
        var home = Catalog.CityNamed(city);
        var devices = new List<Device> { NewDevice(rng, DeviceKind.Phone) };
        if (index == 1) devices.Add(NewDevice(rng, DeviceKind.Tablet));
        if (index == 2) devices.Insert(0, NewDevice(rng, DeviceKind.Laptop));
        phone ??= NewPhone(rng, home);
        return new Person
        {
            Index = index,
            FirstName = first,
            LastName = last,
            City = home,
            BirthYear = 1978 + index * 9,
            ShopsWomen = women,
            Interest = interest,
            Kind = Archetype.Regular,
            Consent = new Consent(Email: true, Push: true, Sms: index == 2),
            Devices = devices,
            FirstSeenAgo = Ago(days: 300 - index * 40),
            CrmId = crmId,
            Email = email,
            Phone = phone,
            PhoneAsWritten = index == 2 ? Messy.PhoneAsWritten : phone,
            LoyaltyId = plus ? NewLoyaltyId(rng, index) : null,
        };
    }

    private Person Random(int index, DemoRandom rng)
    {
        var city = rng.Pick(Catalog.Cities);
        var (firstNames, lastNames) = city.Country switch
        {
            "GB" => (Catalog.FirstNamesGreatBritain, Catalog.LastNamesGreatBritain),
            "DE" => (Catalog.FirstNamesGermany, Catalog.LastNamesGermany),
            _ => (Catalog.FirstNamesNorthAmerica, Catalog.LastNamesNorthAmerica),
        };
        var first = rng.Pick(firstNames);
        var last = rng.Pick(lastNames);

        var hasCrm = rng.Chance(0.93);
        var hasEmail = rng.Chance(hasCrm ? 0.92 : 0.6);
        var known = hasCrm || hasEmail;
        var kind = !known ? Archetype.Browser : rng.Pick<Archetype>(
            [(Archetype.Browser, 35), (Archetype.Regular, 42), (Archetype.HighSpender, 8), (Archetype.Lapsed, 15)]);

        var deviceCount = rng.Pick<int>([(1, 45), (2, 38), (3, 17)]);
        var devices = new List<Device> { NewDevice(rng, rng.Chance(0.55) ? DeviceKind.Phone : DeviceKind.Laptop) };
        while (devices.Count < deviceCount)
            devices.Add(NewDevice(rng, rng.Pick<DeviceKind>([(DeviceKind.Laptop, 35), (DeviceKind.Phone, 35), (DeviceKind.Tablet, 15), (DeviceKind.Tv, 15)])));

        var lastPurchase = kind == Archetype.Lapsed ? Ago(days: rng.Between(40, 120), hours: rng.Between(0, 23)) : 0;
        var firstSeen = kind switch
        {
            Archetype.Lapsed => lastPurchase + Ago(days: rng.Between(60, 300)),
            Archetype.HighSpender => Ago(days: rng.Between(150, 420)),
            _ => Ago(days: rng.Between(20, 400)),
        };
        var phone = known && rng.Chance(0.45) ? NewPhone(rng, city) : null;
        var hasApp = devices.Any(d => d.Kind == DeviceKind.Phone);

        return new Person
        {
            Index = index,
            FirstName = first,
            LastName = last,
            City = city,
            BirthYear = rng.Between(1958, 2006),
            ShopsWomen = rng.Chance(0.6),
            Interest = rng.Pick(Catalog.InterestWeights),
            Kind = kind,
            Consent = new Consent(Email: rng.Chance(0.8), Push: hasApp && rng.Chance(0.55), Sms: phone is not null && rng.Chance(0.35)),
            Devices = devices,
            FirstSeenAgo = firstSeen,
            LastPurchaseAgo = lastPurchase,
            CrmId = hasCrm ? Claim("crmId", $"CRM-{100100 + index * 7 + rng.Next(7)}") : null,
            Email = hasEmail ? NewEmail(rng, first, last) : null,
            Phone = phone,
            PhoneAsWritten = phone,
            LoyaltyId = hasCrm && rng.Chance(0.21) ? NewLoyaltyId(rng, index) : null,
        };
    }

    private string Claim(string ns, string value) =>
        _identities.Add($"{ns}:{value}") ? value : throw new InvalidOperationException($"Duplicate demo identity {ns}:{value}.");

    private Device NewDevice(DemoRandom rng, DeviceKind kind)
    {
        string ecid;
        do ecid = rng.Ecid(); while (!_identities.Add($"ecid:{ecid}"));
        return new Device(ecid, kind);
    }

    private string NewEmail(DemoRandom rng, string first, string last)
    {
        var f = Catalog.EmailPart(first);
        var l = Catalog.EmailPart(last);
        var local = rng.Pick<string>(
            [($"{f}.{l}", 45), ($"{f}{l}", 15), ($"{f}.{l}{rng.Between(1, 99)}", 15), ($"{f[0]}{l}", 15), ($"{f}_{l}", 10)]);
        var domain = rng.Pick(Catalog.EmailDomains);
        var email = $"{local}@{domain}";
        for (var n = 2; !_identities.Add($"email:{email}"); n++) email = $"{local}{n}@{domain}";
        return email;
    }

    private string? NewPhone(DemoRandom rng, City city)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var phone = city.PhoneNumber(rng.Next(city.PhoneRangeSize));
            if (_identities.Add($"phone:{phone}")) return phone;
        }
        return null; // the city's fictional range is used up: this person has no phone
    }

    private string NewLoyaltyId(DemoRandom rng, int index)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var id = $"LUMA-PLUS-{rng.Between(1000, 9999)}";
            if (_identities.Add($"loyaltyId:{id}")) return id;
        }
        return Claim("loyaltyId", $"LUMA-PLUS-{10000 + index}");
    }

    private void Traits(Person p, DemoRandom rng)
    {
        if (!p.CanSignIn) return;
        var (ns, id) = p.CrmId is not null ? ("crmId", p.CrmId) : ("email", p.Email!);
        var json = new JsonObj().Add("firstName", p.FirstName).Add("lastName", p.LastName).Add("birthYear", (long)p.BirthYear)
            .Add("loyaltyTier", p.IsPlus ? "plus" : "standard").Add("country", p.City.Country).Add("city", p.City.Name)
            .Add("preferredStore", p.City.Store.Id).Add("favoriteCategory", p.Interest)
            .Add("consent", new JsonObj().Add("email", p.Consent.Email).Add("push", p.Consent.Push).Add("sms", p.Consent.Sms));
        traits.Add(new DemoTraits(ns, id, json.ToString(), t.Origin.AddSeconds(-rng.Between(Ago(hours: 2), Ago(days: 60)))));
        if (p.LoyaltyId is not null)
        {
            var since = t.Origin.AddSeconds(-(p.FirstSeenAgo + Ago(days: rng.Between(0, 700))));
            traits.Add(new DemoTraits("loyaltyId", p.LoyaltyId,
                new JsonObj().Add("loyaltyTier", "plus").Add("loyaltyPoints", (long)rng.Between(150, 9000))
                    .Add("memberSince", since.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToString(),
                t.Origin.AddSeconds(-rng.Between(Ago(hours: 2), Ago(days: 14)))));
        }
    }

    // ----------------------------------------------------------------- history

    private void History(Person p, DemoRandom rng)
    {
        Sessions(p, rng);
        Newsletters(p, rng);
        StoreTrips(p, rng);
        PushMessages(p, rng);
        TextMessages(p, rng);
        Calls(p, rng);
        AdImpressions(p, rng);
        Classes(p, rng);
    }

    private void Sessions(Person p, DemoRandom rng)
    {
        var count = p.Kind switch
        {
            Archetype.HighSpender => rng.Between(4, 7),
            Archetype.Lapsed => rng.Between(2, 4),
            _ => rng.Between(1, 4),
        };
        var starts = new List<(long Ago, bool Buy)>();
        for (var i = 0; i < count; i++)
        {
            if (p.Kind == Archetype.Lapsed && rng.Chance(0.35))
                starts.Add((rng.Between(Ago(hours: 3), p.LastPurchaseAgo - Ago(days: 2)), false)); // browsing, no longer buying
            else
                starts.Add((rng.Between(p.Kind == Archetype.Lapsed ? p.LastPurchaseAgo + Ago(days: 1) : Ago(hours: 3), p.FirstSeenAgo), false));
        }
        if (p.Kind == Archetype.Lapsed) starts.Add((p.LastPurchaseAgo + Ago(hours: 1), true)); // the last purchase
        foreach (var (ago, buy) in starts.OrderByDescending(s => s.Ago)) Session(p, rng, ago, buy);
    }

    private void Session(Person p, DemoRandom rng, long ago, bool mustBuy)
    {
        var device = rng.Pick(p.BrowsingDevices);
        var ecid = device.Identity;
        string? campaign = null;
        string? referrer = null;
        var landing = Catalog.CategoryUrl(p.Interest, p.ShopsWomen);

        var entry = rng.Pick<string>([
            ("ad", 30),
            ("email", p.Email is not null && p.Consent.Email ? 20 : 0),
            ("push", device.Kind == DeviceKind.Phone && p.Consent.Push ? 10 : 0),
            ("direct", 40)]);
        switch (entry)
        {
            case "ad":
            {
                var c = rng.Pick(Catalog.AdCampaignsFor(p.Interest));
                campaign = c.Name;
                var channel = c.Name == "spring-yoga-2026" && rng.Chance(0.3) ? "social" : c.Channel;
                var placement = channel == "social"
                    ? rng.Pick<string>(["instagram-feed", "instagram-stories", "tiktok-feed"])
                    : rng.Pick<string>(["google-search", "google-search", "display-network", "youtube-preroll"]);
                var adId = $"{Initials(c.Name)}-{rng.Hex(4)}";
                if (rng.Chance(0.5))
                    t.Add(ago + rng.Between(Ago(minutes: 10), Ago(days: 2)), "ad.impression", channel, [ecid], campaign: campaign,
                        attributes: new JsonObj().Add("adId", adId).Add("placement", placement).Add("network", Catalog.NetworkFor(placement)));
                t.Add(ago, "ad.click", channel, [ecid], campaign: campaign,
                    attributes: new JsonObj().Add("adId", adId).Add("placement", placement).Add("network", Catalog.NetworkFor(placement))
                        .Add("landingUrl", $"{landing}?cid={campaign}"));
                referrer = Catalog.ReferrerFor(placement);
                break;
            }
            case "email":
            {
                campaign = EmailCampaign(p, rng, ago);
                var messageId = $"msg-{rng.Hex(10)}";
                var email = Ids.Email(p.Email!);
                t.Add(ago + rng.Between(Ago(minutes: 30), Ago(hours: 30)), "email.send", "email", Recipient(p), campaign: campaign,
                    attributes: new JsonObj().Add("messageId", messageId).Add("subject", Subject(campaign, p)));
                t.Add(ago + rng.Between(60, Ago(minutes: 25)), "email.open", "email", [email], campaign: campaign,
                    attributes: new JsonObj().Add("messageId", messageId));
                t.Add(ago, "email.click", "email", [email], campaign: campaign,
                    attributes: new JsonObj().Add("messageId", messageId).Add("linkUrl", landing));
                referrer = "email";
                break;
            }
            case "push":
            {
                campaign = p.IsPlus && rng.Chance(0.4) ? "loyalty-double-points" : "app-flash-sale";
                var messageId = $"msg-{rng.Hex(10)}";
                t.Add(ago + rng.Between(Ago(minutes: 5), Ago(minutes: 90)), "push.send", "push", [ecid], campaign: campaign,
                    attributes: new JsonObj().Add("messageId", messageId).Add("title", Subject(campaign, p)));
                t.Add(ago, "push.open", "push", [ecid], campaign: campaign, attributes: new JsonObj().Add("messageId", messageId));
                referrer = "push";
                break;
            }
        }

        var signedIn = device.SignedIn && p.CanSignIn && rng.Chance(0.75);
        RawIdentity[] Current() => signedIn ? [ecid, p.SignedInIdentity] : [ecid];

        ago -= rng.Between(10, 40);
        t.Add(ago, "web.pageView", device.Channel, Current(), attributes: new JsonObj().Add("url", landing).Add("referrer", referrer));

        var viewed = new List<Product>();
        var views = rng.Between(1, 3);
        for (var i = 0; i < views; i++)
        {
            var product = rng.Chance(0.75) ? rng.Pick(Catalog.InCategory(p.Interest)) : rng.Pick(Catalog.Products);
            viewed.Add(product);
            ago -= rng.Between(30, 240);
            t.Add(ago, "commerce.productView", device.Channel, Current(), attributes: product.ToJson());
        }

        var cartChance = p.Kind switch { Archetype.Browser => 0.25, Archetype.HighSpender => 0.6, _ => 0.45 };
        var canBuy = p.CanSignIn && (mustBuy || p.MayPurchaseAt(ago));
        var buyChance = p.Kind switch { Archetype.Browser => 0.0, Archetype.HighSpender => 0.8, _ => 0.6 };
        var addsToCart = mustBuy || rng.Chance(cartChance);
        var buys = canBuy && addsToCart && (mustBuy || rng.Chance(buyChance));
        var cartId = $"cart-{rng.Hex(8)}";
        Product? carted = null;
        if (addsToCart)
        {
            carted = viewed[^1];
            ago -= rng.Between(20, 120);
            t.Add(ago, "commerce.addToCart", device.Channel, Current(), attributes: carted.ToLine(1).Add("cartId", cartId));
        }

        if (!signedIn && p.CanSignIn && (buys || rng.Chance(0.2)))
        {
            // Signing in links the device to the person: its anonymous history so far is stitched.
            ago -= rng.Between(30, 180);
            RawIdentity[] login = p.Email is null ? [ecid, Ids.Crm(p.CrmId!)]
                : p.CrmId is not null && rng.Chance(0.6) ? [ecid, Ids.Email(p.Email), Ids.Crm(p.CrmId)]
                : [ecid, Ids.Email(p.Email)];
            t.Add(ago, "web.login", device.Channel, login,
                attributes: new JsonObj().Add("method", rng.Pick<string>(["password", "password", "magic-link", "apple"])));
            signedIn = true;
            device.SignIn(ago);
        }

        if (buys)
        {
            var items = new List<JsonObj> { carted!.ToLine(1) };
            var revenue = carted.Price;
            var extra = p.Kind == Archetype.HighSpender ? rng.Between(1, 3) : rng.Chance(0.3) ? 1 : 0;
            for (var i = 0; i < extra; i++)
            {
                var product = p.Kind == Archetype.HighSpender
                    ? rng.Pick(Catalog.Products.Where(x => x.Price >= 60).ToList())
                    : rng.Pick(Catalog.InCategory(p.Interest));
                var quantity = rng.Chance(0.15) ? 2 : 1;
                items.Add(product.ToLine(quantity));
                revenue += product.Price * quantity;
            }
            var orderId = $"LUMA-ORD-{p.Index + 1:D4}{++p.Orders:D3}";
            ago -= rng.Between(60, 300);
            RawIdentity[] buyer = [ecid, .. p.CrmId is null ? Array.Empty<RawIdentity>() : [Ids.Crm(p.CrmId)],
                .. p.Email is null ? Array.Empty<RawIdentity>() : [Ids.Email(p.Email)]];
            t.Add(ago, "commerce.purchase", device.Channel, buyer, campaign: campaign, revenue: Math.Round(revenue, 2),
                attributes: new JsonObj().Add("orderId", orderId).Add("items", items).Add("currency", p.City.Currency)
                    .Add("paymentMethod", rng.Pick(Catalog.PaymentMethods))
                    .Add("shipping", rng.Pick<string>(["standard", "standard", "express", "store-pickup"])));
            if (p.Email is not null)
            {
                var messageId = $"msg-{rng.Hex(10)}";
                t.Add(ago - rng.Between(20, 90), "email.send", "email", Recipient(p),
                    attributes: new JsonObj().Add("messageId", messageId).Add("template", "order-confirmation").Add("orderId", orderId));
                var openedAt = ago - rng.Between(Ago(minutes: 5), Ago(hours: 20));
                if (rng.Chance(0.5) && openedAt >= MinAgoSeconds)
                    t.Add(openedAt, "email.open", "email", [Ids.Email(p.Email)], attributes: new JsonObj().Add("messageId", messageId));
            }
        }
        else if (carted is not null)
        {
            // Abandoned cart: retargeting ads on the device, a reminder email when we know who it is.
            var later = ago - rng.Between(Ago(hours: 6), Ago(days: 3));
            if (rng.Chance(0.5) && later >= Ago(minutes: 10))
            {
                var adId = $"rc-{rng.Hex(4)}";
                t.Add(later, "ad.impression", "ad", [ecid], campaign: "retargeting-cart",
                    attributes: new JsonObj().Add("adId", adId).Add("placement", "display-network").Add("network", "google").Add("sku", carted.Sku));
                if (rng.Chance(0.3))
                    t.Add(later - rng.Between(60, 600), "ad.click", "ad", [ecid], campaign: "retargeting-cart",
                        attributes: new JsonObj().Add("adId", adId).Add("placement", "display-network").Add("network", "google")
                            .Add("landingUrl", $"/cart?cid=retargeting-cart&cartId={cartId}"));
            }
            var reminder = ago - rng.Between(Ago(hours: 2), Ago(hours: 24));
            if (signedIn && p.Email is not null && p.Consent.Email && rng.Chance(0.5) && reminder >= MinAgoSeconds)
                t.Add(reminder, "email.send", "email", Recipient(p), campaign: "cart-reminder",
                    attributes: new JsonObj().Add("messageId", $"msg-{rng.Hex(10)}").Add("subject", "You left something in your cart")
                        .Add("cartId", cartId).Add("sku", carted.Sku));
        }
    }

    /// <summary>
    /// Who a message is sent to: the email address, plus the CRM id when the audience came from
    /// the CRM (opens and clicks are tracked by email address only).
    /// </summary>
    private static RawIdentity[] Recipient(Person p) =>
        p.CrmId is null ? [Ids.Email(p.Email!)] : [Ids.Email(p.Email!), Ids.Crm(p.CrmId)];

    private static string EmailCampaign(Person p, DemoRandom rng, long ago)
    {
        if (p.Kind == Archetype.Lapsed && ago < p.LastPurchaseAgo - Ago(days: 30) && rng.Chance(0.6)) return "winback-lapsed-90d";
        if (p.IsPlus && rng.Chance(0.35)) return rng.Chance(0.5) ? "plus-member-offer" : "loyalty-double-points";
        return "newsletter-weekly";
    }

    private static string Subject(string campaign, Person p) => campaign switch
    {
        "winback-lapsed-90d" => $"We miss you, {p.FirstName}: 20% off your next order",
        "plus-member-offer" => "A plus member offer just for you",
        "loyalty-double-points" => "Double points this weekend",
        "app-flash-sale" => "Flash sale: 4 hours only",
        _ => p.Interest switch
        {
            Catalog.Yoga => "New yoga arrivals and free classes",
            Catalog.Running => "Run further: new season running gear",
            Catalog.Training => "Train smarter this month",
            Catalog.Hiking => "Trail season is here",
            _ => "Make a splash: new swimwear",
        },
    };

    private static string OfferFor(Person p) => p.Interest switch
    {
        Catalog.Yoga => "free-yoga-class",
        Catalog.Running => "run-club-invite",
        _ => "free-shipping",
    };

    private static string Initials(string campaign) =>
        string.Concat(campaign.Split('-').Select(part => part[0]));

    private void Newsletters(Person p, DemoRandom rng)
    {
        if (p.Email is null || !p.Consent.Email) return;
        var email = Ids.Email(p.Email);
        var count = p.Kind switch { Archetype.HighSpender => rng.Between(2, 4), _ => rng.Between(0, 3) };
        if (p.Kind == Archetype.Lapsed) count += rng.Between(1, 2);
        var openRate = p.Kind switch { Archetype.HighSpender => 0.6, Archetype.Lapsed => 0.25, _ => 0.4 };
        for (var i = 0; i < count; i++)
        {
            var ago = rng.Between(Ago(hours: 3), p.FirstSeenAgo);
            var campaign = EmailCampaign(p, rng, ago);
            var messageId = $"msg-{rng.Hex(10)}";
            var attributes = new JsonObj().Add("messageId", messageId).Add("subject", Subject(campaign, p));
            if (campaign == "plus-member-offer") attributes.Add("offerId", OfferFor(p));
            t.Add(ago, "email.send", "email", Recipient(p), campaign: campaign, attributes: attributes);
            if (!rng.Chance(openRate)) continue;
            var opened = ago - rng.Between(Ago(minutes: 3), Ago(hours: 2));
            t.Add(opened, "email.open", "email", [email], campaign: campaign, attributes: new JsonObj().Add("messageId", messageId));
            if (rng.Chance(0.25))
                t.Add(opened - rng.Between(5, 120), "email.click", "email", [email], campaign: campaign,
                    attributes: new JsonObj().Add("messageId", messageId).Add("linkUrl", Catalog.CategoryUrl(p.Interest, p.ShopsWomen)));
        }
    }

    private void StoreTrips(Person p, DemoRandom rng)
    {
        if (p.CrmId is null) return;
        var count = p.Kind switch
        {
            Archetype.Browser => rng.Between(0, 1),
            Archetype.HighSpender => rng.Between(1, 4),
            Archetype.Lapsed => rng.Between(0, 2),
            _ => rng.Between(0, 2),
        };
        var crm = Ids.Crm(p.CrmId);
        var store = p.City.Store;
        for (var i = 0; i < count; i++)
        {
            var ago = p.Kind == Archetype.Lapsed
                ? rng.Between(p.LastPurchaseAgo + Ago(days: 1), p.FirstSeenAgo)
                : rng.Between(Ago(hours: 3), p.FirstSeenAgo);
            var app = p.PhoneDevice;
            if (p.LoyaltyId is not null)
                t.Add(ago, "store.visit", "store", [Ids.Loyalty(p.LoyaltyId), crm],
                    attributes: new JsonObj().Add("storeId", store.Id).Add("detectedBy", "loyalty-scan"));
            else if (app is not null && app.SignedInBy(ago))
                t.Add(ago, "store.visit", "store", [app.Identity, crm],
                    attributes: new JsonObj().Add("storeId", store.Id).Add("detectedBy", "app-geofence"));

            var buyChance = p.Kind switch { Archetype.Browser => 0.0, Archetype.HighSpender => 0.9, _ => 0.7 };
            if (!p.MayPurchaseAt(ago) || !rng.Chance(buyChance)) continue;
            var lines = new List<JsonObj>();
            var revenue = 0.0;
            var itemCount = p.Kind == Archetype.HighSpender ? rng.Between(2, 4) : rng.Between(1, 2);
            for (var k = 0; k < itemCount; k++)
            {
                var product = rng.Chance(0.7) ? rng.Pick(Catalog.InCategory(p.Interest)) : rng.Pick(Catalog.Products);
                lines.Add(product.ToLine(1));
                revenue += product.Price;
            }
            var emailReceipt = p.Email is not null && rng.Chance(0.4);
            RawIdentity[] buyer = p.LoyaltyId is not null ? [Ids.Loyalty(p.LoyaltyId), crm]
                : emailReceipt ? [crm, Ids.Email(p.Email!)]
                : p.Phone is not null && rng.Chance(0.6) ? [crm, Ids.Phone(p.Phone)] // looked up by phone number at the till
                : [crm];
            t.Add(ago - rng.Between(Ago(minutes: 5), Ago(minutes: 40)), "commerce.purchase", "store", buyer, revenue: Math.Round(revenue, 2),
                attributes: new JsonObj().Add("orderId", $"POS-{store.Id.Replace("-", "", StringComparison.Ordinal)}-{p.Index + 1:D4}{++p.Orders:D3}")
                    .Add("storeId", store.Id).Add("items", lines).Add("currency", p.City.Currency)
                    .Add("paymentMethod", rng.Pick(Catalog.PaymentMethods)).Add("receipt", emailReceipt ? "email" : "paper"));
        }
    }

    private void PushMessages(Person p, DemoRandom rng)
    {
        var app = p.PhoneDevice;
        if (app is null || !p.Consent.Push) return;
        var count = rng.Between(0, 2);
        for (var i = 0; i < count; i++)
        {
            var ago = rng.Between(Ago(hours: 3), p.FirstSeenAgo);
            var campaign = p.IsPlus && rng.Chance(0.4) ? "plus-member-offer" : "app-flash-sale";
            var messageId = $"msg-{rng.Hex(10)}";
            var attributes = new JsonObj().Add("messageId", messageId).Add("title", Subject(campaign, p));
            if (campaign == "plus-member-offer") attributes.Add("offerId", OfferFor(p));
            t.Add(ago, "push.send", "push", [app.Identity], campaign: campaign, attributes: attributes);
            if (rng.Chance(0.3))
                t.Add(ago - rng.Between(30, Ago(hours: 2)), "push.open", "push", [app.Identity], campaign: campaign,
                    attributes: new JsonObj().Add("messageId", messageId));
        }
    }

    private void TextMessages(Person p, DemoRandom rng)
    {
        if (p.Phone is null || !p.Consent.Sms) return;
        var count = rng.Between(1, 2);
        for (var i = 0; i < count; i++)
        {
            RawIdentity[] to = p.CrmId is null ? [Ids.Phone(p.Phone)] : [Ids.Phone(p.Phone), Ids.Crm(p.CrmId)];
            t.Add(rng.Between(Ago(hours: 3), p.FirstSeenAgo), "sms.send", "sms", to, campaign: "sms-weekend-sale",
                attributes: new JsonObj().Add("messageId", $"msg-{rng.Hex(10)}").Add("shortLink", $"https://luma.example/s/{rng.Hex(6)}"));
        }
    }

    private void Calls(Person p, DemoRandom rng)
    {
        if (p.PhoneAsWritten is null || !rng.Chance(0.3)) return;
        var count = rng.Between(1, 2);
        for (var i = 0; i < count; i++)
        {
            var phone = Ids.Phone(p.PhoneAsWritten);
            var verified = p.CrmId is not null && rng.Chance(0.5);
            t.Add(rng.Between(Ago(hours: 3), p.FirstSeenAgo), "call.inbound", "callCenter",
                verified ? [phone, Ids.Crm(p.CrmId!)] : [phone],
                attributes: new JsonObj().Add("callId", $"CALL-{rng.Between(1000000, 9999999)}").Add("reason", rng.Pick(Catalog.CallReasons))
                    .Add("durationSec", (long)rng.Between(45, 1200)).Add("agentId", $"agent-{rng.Between(1, 40):D2}").Add("verified", verified));
        }
    }

    private void AdImpressions(Person p, DemoRandom rng)
    {
        var count = rng.Between(0, 2) + (p.Devices.Any(d => d.Kind == DeviceKind.Tv) ? rng.Between(1, 3) : 0);
        for (var i = 0; i < count; i++)
        {
            var device = i < 2 ? rng.Pick(p.Devices) : p.Devices.First(d => d.Kind == DeviceKind.Tv);
            var ago = rng.Between(Ago(hours: 3), p.FirstSeenAgo);
            if (device.Kind == DeviceKind.Tv)
            {
                t.Add(ago, "ad.impression", "ctv", [device.Identity], campaign: "ctv-brand-awareness",
                    attributes: new JsonObj().Add("adId", $"ctv-{rng.Hex(4)}").Add("placement", "streaming-midroll")
                        .Add("network", rng.Pick<string>(["roku", "hulu", "samsung-tv-plus"])).Add("durationSec", 30L));
                continue;
            }
            var c = rng.Pick(Catalog.AdCampaignsFor(p.Interest));
            var placement = c.Channel == "social" ? "instagram-feed" : rng.Pick<string>(["display-network", "youtube-preroll"]);
            t.Add(ago, "ad.impression", c.Channel, [device.Identity], campaign: c.Name,
                attributes: new JsonObj().Add("adId", $"{Initials(c.Name)}-{rng.Hex(4)}").Add("placement", placement)
                    .Add("network", Catalog.NetworkFor(placement)));
        }
    }

    private void Classes(Person p, DemoRandom rng)
    {
        if (p.Interest is not (Catalog.Yoga or Catalog.Training) || !p.CanSignIn || !rng.Chance(0.25)) return;
        var device = p.BrowsingDevices.FirstOrDefault(d => d.SignedIn);
        if (device is null) return;
        var who = p.SignedInIdentity;
        var registered = rng.Between(Ago(days: 2), Math.Max(Ago(days: 2), device.SignedInSinceAgo!.Value - Ago(hours: 1)));
        var startsAgo = registered - Ago(days: rng.Between(1, 6));
        var store = p.City.Store;
        var classId = $"{store.Id.Replace("-", "", StringComparison.Ordinal)}-{(p.Interest == Catalog.Yoga ? "YOGA" : "HIIT")}-{rng.Between(100, 999)}";
        var name = p.Interest == Catalog.Yoga ? "Beginner vinyasa flow" : "HIIT bootcamp";
        var startsAt = Iso(t.At(startsAgo)); // may be in the future: a class not held yet
        t.Add(registered, "class.registration", device.Channel, [device.Identity, who],
            attributes: new JsonObj().Add("classId", classId).Add("className", name).Add("storeId", store.Id).Add("startsAt", startsAt));
        if (startsAgo < Ago(hours: 1) || !rng.Chance(0.7)) return;
        RawIdentity[] attendee = p.LoyaltyId is null ? [who] : [Ids.Loyalty(p.LoyaltyId), who];
        t.Add(startsAgo + Ago(minutes: 5), "class.attended", "store", attendee,
            attributes: new JsonObj().Add("classId", classId).Add("storeId", store.Id).Add("checkIn", p.LoyaltyId is null ? "front-desk" : "loyalty-card"));
    }

    // ------------------------------------------------------------- edge cases

    /// <summary>Daniel and Mina Kim share the family laptop; each signs in on it at different times.</summary>
    private void SharedLaptopScript(Person daniel, Person mina)
    {
        var laptop = Ids.Ecid(Laptop.Ecid);
        RawIdentity danielCrm = Ids.Crm(Laptop.FirstCrmId), minaCrm = Ids.Crm(Laptop.SecondCrmId);

        void Browse(long ago, string url, string sku, RawIdentity[] ids)
        {
            t.Add(ago, "web.pageView", "web", ids, attributes: new JsonObj().Add("url", url));
            t.Add(ago - 90, "commerce.productView", "web", ids, attributes: Catalog.Sku(sku).ToJson());
        }

        void Login(long ago, Person who, RawIdentity crm) =>
            t.Add(ago, "web.login", "web", [laptop, Ids.Email(who.Email!), crm], attributes: new JsonObj().Add("method", "password").Add("device", "family-laptop"));

        void Buy(long ago, Person who, RawIdentity crm, string sku)
        {
            var product = Catalog.Sku(sku);
            t.Add(ago, "commerce.addToCart", "web", [laptop, crm], attributes: product.ToLine(1).Add("cartId", $"cart-kim-{who.Index}{who.Orders}"));
            var orderId = $"LUMA-ORD-{who.Index + 1:D4}{++who.Orders:D3}";
            t.Add(ago - 240, "commerce.purchase", "web", [laptop, crm, Ids.Email(who.Email!)], revenue: product.Price,
                attributes: new JsonObj().Add("orderId", orderId).Add("items", [product.ToLine(1)]).Add("currency", "USD")
                    .Add("paymentMethod", "card").Add("shipping", "standard"));
            t.Add(ago - 300, "email.send", "email", Recipient(who),
                attributes: new JsonObj().Add("messageId", $"msg-{orderId.ToLowerInvariant()}").Add("template", "order-confirmation").Add("orderId", orderId));
        }

        Browse(Ago(days: 47, hours: 2), "/men/running", "RS-520", [laptop]);
        Login(Ago(days: 45, hours: 4), daniel, danielCrm);
        Browse(Ago(days: 45, hours: 3, minutes: 58), "/men/running", "RS-520", [laptop, danielCrm]);
        Buy(Ago(days: 45, hours: 3, minutes: 50), daniel, danielCrm, "RS-520");

        Browse(Ago(days: 22, hours: 1), "/women/yoga", "YM-110", [laptop]);
        Login(Ago(days: 20, hours: 6), mina, minaCrm);
        Buy(Ago(days: 20, hours: 5, minutes: 55), mina, minaCrm, "YM-110");

        Browse(Ago(days: 8, hours: 3), "/men/running", "RW-700", [laptop]);
        Login(Ago(days: 6, hours: 2), daniel, danielCrm);
        Browse(Ago(days: 6, hours: 1, minutes: 58), "/men/running", "RW-700", [laptop, danielCrm]);
        t.Add(Ago(days: 6, hours: 1, minutes: 50), "commerce.addToCart", "web", [laptop, danielCrm],
            attributes: Catalog.Sku("RW-700").ToLine(1).Add("cartId", "cart-kim-0watch"));

        Login(Ago(days: 2, hours: 5), mina, minaCrm);
        Browse(Ago(days: 2, hours: 4, minutes: 58), "/women/yoga", "YL-320", [laptop, minaCrm]);

        // Anonymous again, after Mina's sign-in: these follow the last person who authenticated.
        Browse(Ago(days: 1, hours: 3), "/outdoor/hiking", "HB-610", [laptop]);
    }

    /// <summary>Jordan Reyes: the phone and email arrive in non-normalised forms in some events.</summary>
    private void MessyContactScript(Person jordan)
    {
        var crm = Ids.Crm(Messy.CrmId);
        var laptop = jordan.Devices[0].Identity;
        t.Add(Ago(days: 33, hours: 5), "sms.send", "sms", [Ids.Phone(Messy.Phone), crm], campaign: "sms-weekend-sale",
            attributes: new JsonObj().Add("messageId", "msg-sms-reyes-01").Add("shortLink", "https://luma.example/s/trail26"));
        t.Add(Ago(days: 16, hours: 2), "email.send", "email", [Ids.Email(Messy.Email)], campaign: "newsletter-weekly",
            attributes: new JsonObj().Add("messageId", "msg-nl-reyes-01").Add("subject", "Trail season is here"));
        t.Add(Ago(days: 15, hours: 7), "web.pageView", "web", [laptop], attributes: new JsonObj().Add("url", "/outdoor/hiking"));
        t.Add(Ago(days: 15, hours: 6, minutes: 57), "web.login", "web", [laptop, Ids.Email(Messy.EmailAsWritten)],
            attributes: new JsonObj().Add("method", "password"));
        t.Add(Ago(days: 15, hours: 6, minutes: 55), "commerce.productView", "web", [laptop, crm], attributes: Catalog.Sku("HP-640").ToJson());
        t.Add(Ago(days: 9, hours: 4), "call.inbound", "callCenter", [Ids.Phone(Messy.PhoneAsWritten)],
            attributes: new JsonObj().Add("callId", "CALL-4410177").Add("reason", "order-status").Add("durationSec", 240L)
                .Add("agentId", "agent-22").Add("verified", false));
    }
}
