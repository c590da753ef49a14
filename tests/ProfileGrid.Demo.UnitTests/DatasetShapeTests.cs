using PhoneNumbers;

namespace ProfileGrid.Demo.UnitTests;

public class DatasetShapeTests
{
    private static readonly HashSet<string> Types =
    [
        "web.pageView", "web.login", "commerce.productView", "commerce.addToCart", "commerce.purchase",
        "email.send", "email.open", "email.click", "push.send", "push.open", "sms.send", "ad.impression", "ad.click",
        "call.inbound", "store.visit", "class.registration", "class.attended",
    ];

    private static readonly HashSet<string> Channels =
        ["web", "mobile", "email", "sms", "push", "ad", "social", "callCenter", "store", "ctv"];

    private static readonly HashSet<string> Namespaces = ["crmId", "loyaltyId", "email", "phone", "ecid"];

    [Fact]
    public void Same_seed_and_now_give_the_same_dataset()
    {
        var again = LumaDemo.Generate(Demo.Now);
        Assert.Equal(Demo.Canonical(Demo.Default), Demo.Canonical(again));
    }

    [Fact]
    public void Another_seed_gives_another_dataset_with_the_same_story()
    {
        var other = LumaDemo.Generate(Demo.Now, seed: 7);
        Assert.NotEqual(Demo.Canonical(Demo.Default), Demo.Canonical(other));
        Assert.Equal(
            Demo.Default.Events.Count(e => e.Has("crmId", LumaDemo.Sarah.CrmId)),
            other.Events.Count(e => e.Has("crmId", LumaDemo.Sarah.CrmId)));
    }

    [Fact]
    public void Another_now_shifts_every_timestamp_and_keeps_ids()
    {
        var later = LumaDemo.Generate(Demo.Now.AddDays(3));
        Assert.Equal(Demo.Default.Events.Count, later.Events.Count);
        for (var i = 0; i < later.Events.Count; i++)
        {
            Assert.Equal(Demo.Default.Events[i].Id, later.Events[i].Id);
            Assert.Equal(Demo.Default.Events[i].Type, later.Events[i].Type);
            Assert.Equal(TimeSpan.FromDays(3), later.Events[i].Time() - Demo.Default.Events[i].Time());
        }
    }

    [Fact]
    public void Event_ids_are_unique_and_stable()
    {
        var ids = Demo.Default.Events.Select(e => e.Id!).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("luma-000001", ids[0]);
        Assert.All(ids, id => Assert.Matches("^luma-[0-9]{6,}$", id));
    }

    [Fact]
    public void Timestamps_are_iso_utc_in_the_past_and_sorted()
    {
        var previous = DateTimeOffset.MinValue;
        foreach (var e in Demo.Default.Events)
        {
            var time = e.Time();
            Assert.True(time < Demo.Now, $"{e.Id} at {e.Timestamp} is not before now");
            Assert.True(time >= previous, $"{e.Id} at {e.Timestamp} is before the event preceding it");
            previous = time;
        }
        Assert.True(Demo.Default.Events[0].Time() > Demo.Now.AddDays(-500));
    }

    [Fact]
    public void Every_event_carries_between_1_and_20_valid_identities()
    {
        var phones = PhoneNumberUtil.GetInstance();
        foreach (var e in Demo.Default.Events)
        {
            Assert.InRange(e.Identities.Length, 1, 20);
            foreach (var identity in e.Identities)
            {
                Assert.Contains(identity.Namespace!, Namespaces);
                Assert.False(string.IsNullOrWhiteSpace(identity.Id), $"{e.Id}: empty {identity.Namespace}");
                switch (identity.Namespace)
                {
                    case "ecid":
                        Assert.Matches("^[1-9][0-9]{37}$", identity.Id);
                        break;
                    case "phone":
                        Assert.True(phones.IsPossibleNumber(phones.Parse(identity.Id, "US")), $"{e.Id}: impossible phone {identity.Id}");
                        if (identity.Id != LumaDemo.MessyContact.PhoneAsWritten) Assert.Matches(@"^\+[1-9][0-9]{7,14}$", identity.Id);
                        break;
                    case "email" when identity.Id != LumaDemo.MessyContact.EmailAsWritten:
                        Assert.Matches("^[a-z0-9._]+@[a-z0-9.]+$", identity.Id);
                        break;
                    case "crmId":
                        Assert.Matches("^CRM-[0-9]{6}$", identity.Id);
                        break;
                    case "loyaltyId":
                        Assert.Matches("^LUMA-PLUS-[0-9]{4,5}$", identity.Id);
                        break;
                }
            }
            Assert.Equal(e.Identities.Length, e.Identities.Distinct().Count());
        }
    }

    [Fact]
    public void Types_channels_and_campaigns_are_from_the_documented_sets()
    {
        foreach (var e in Demo.Default.Events)
        {
            Assert.Contains(e.Type!, Types);
            Assert.Contains(e.Channel!, Channels);
            if (e.Campaign is not null) Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", e.Campaign);
        }
        // Every type and channel is used; purchases in store are commerce.purchase with channel store.
        Assert.Equal(Types.Order(), Demo.Default.Events.Select(e => e.Type!).Distinct().Order());
        Assert.Equal(Channels.Order(), Demo.Default.Events.Select(e => e.Channel!).Distinct().Order());
        Assert.Contains(Demo.Default.Events, e => e.Type == "commerce.purchase" && e.Channel == "store");
    }

    [Fact]
    public void Only_purchases_carry_revenue_and_every_purchase_does()
    {
        foreach (var e in Demo.Default.Events)
        {
            if (e.Type == "commerce.purchase")
            {
                Assert.NotNull(e.Revenue);
                Assert.InRange(e.Revenue.Value, 1, 5000);
                Assert.Equal(Math.Round(e.Revenue.Value, 2), e.Revenue.Value);
                Assert.False(string.IsNullOrEmpty(e.Attribute("orderId")));
                var items = e.Attributes().GetProperty("items");
                var sum = items.EnumerateArray().Sum(i => i.GetProperty("price").GetDouble() * i.GetProperty("quantity").GetInt32());
                Assert.Equal(e.Revenue.Value, sum, 6);
            }
            else
            {
                Assert.Null(e.Revenue);
            }
        }
        var orderIds = Demo.Default.Events.Where(e => e.Type == "commerce.purchase").Select(e => e.Attribute("orderId")).ToList();
        Assert.Equal(orderIds.Count, orderIds.Distinct().Count());
    }

    [Fact]
    public void Attributes_are_json_objects()
    {
        Assert.All(Demo.Default.Events, e =>
        {
            Assert.NotNull(e.AttributesJson);
            using var document = JsonDocument.Parse(e.AttributesJson);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        });
    }

    [Fact]
    public void Sizes_are_set_and_under_10_kb()
    {
        Assert.All(Demo.Default.Events, e =>
        {
            Assert.InRange(e.SizeBytes, 100, 10 * 1024 - 1);
            // At least the attributes, identities and envelope fields.
            Assert.True(e.SizeBytes > System.Text.Encoding.UTF8.GetByteCount(e.AttributesJson!) + e.Identities.Sum(i => i.Id!.Length));
        });
    }

    [Fact]
    public void Traits_are_json_objects_in_the_past()
    {
        Assert.All(Demo.Default.Traits, t =>
        {
            Assert.Contains(t.Namespace, Namespaces);
            Assert.True(t.ObservedAt < Demo.Now);
            using var document = JsonDocument.Parse(t.TraitsJson);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        });
        var keys = Demo.Default.Traits.Select(t => (t.Namespace, t.Id)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void Zero_people_is_Sarah_alone_and_negative_is_rejected()
    {
        var sarahOnly = LumaDemo.Generate(Demo.Now, people: 0);
        Assert.All(sarahOnly.Events, e => Assert.True(
            e.Identities.Any(i => i.Id is LumaDemo.Sarah.CrmId or LumaDemo.Sarah.Email or LumaDemo.Sarah.LoyaltyId
                or LumaDemo.Sarah.Phone or LumaDemo.Sarah.DeviceLaptop or LumaDemo.Sarah.DevicePhone)));
        Assert.Equal(2, sarahOnly.Traits.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => LumaDemo.Generate(Demo.Now, people: -1));
    }
}
