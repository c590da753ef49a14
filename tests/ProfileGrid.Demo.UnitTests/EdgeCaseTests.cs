using Laptop = ProfileGrid.Demo.LumaDemo.SharedLaptop;
using Messy = ProfileGrid.Demo.LumaDemo.MessyContact;

namespace ProfileGrid.Demo.UnitTests;

public class EdgeCaseTests
{
    [Fact]
    public void Two_people_sign_in_on_the_shared_family_laptop_at_different_times()
    {
        var onLaptop = Demo.Default.Events.Where(e => e.Has("ecid", Laptop.Ecid)).ToList();
        var logins = onLaptop.Where(e => e.Type == "web.login").ToList();
        var crmIds = logins.Select(e => e.Identities.Single(i => i.Namespace == "crmId").Id).ToList();

        Assert.Equal([Laptop.FirstCrmId, Laptop.SecondCrmId, Laptop.FirstCrmId, Laptop.SecondCrmId], crmIds);
        Assert.Equal(logins.Count, logins.Select(e => e.Timestamp).Distinct().Count());
        Assert.Contains(logins, e => e.Has("email", Laptop.FirstEmail));
        Assert.Contains(logins, e => e.Has("email", Laptop.SecondEmail));
        // Both buy on it, and anonymous browsing happens on it after the last sign-in.
        Assert.Contains(onLaptop, e => e.Type == "commerce.purchase" && e.Has("crmId", Laptop.FirstCrmId));
        Assert.Contains(onLaptop, e => e.Type == "commerce.purchase" && e.Has("crmId", Laptop.SecondCrmId));
        Assert.Contains(onLaptop, e => e.Identities.Length == 1 && e.Time() > logins[^1].Time());
        // The laptop is theirs only.
        Assert.All(onLaptop, e => Assert.All(e.Identities.Where(i => i.Namespace == "crmId"),
            i => Assert.Contains(i.Id, new[] { Laptop.FirstCrmId, Laptop.SecondCrmId })));
        // Two different people: traits for both, same family name.
        var daniel = Assert.Single(Demo.Default.Traits, t => t.Id == Laptop.FirstCrmId);
        var mina = Assert.Single(Demo.Default.Traits, t => t.Id == Laptop.SecondCrmId);
        Assert.Contains("\"lastName\":\"Kim\"", daniel.TraitsJson, StringComparison.Ordinal);
        Assert.Contains("\"lastName\":\"Kim\"", mina.TraitsJson, StringComparison.Ordinal);
    }

    [Fact]
    public void The_messy_phone_and_email_appear_raw_and_normalised()
    {
        var events = Demo.Default.Events;
        Assert.Contains(events, e => e.Type == "call.inbound" && e.HasOnly("phone", Messy.PhoneAsWritten));
        Assert.Contains(events, e => e.Has("phone", Messy.Phone) && e.Has("crmId", Messy.CrmId));
        Assert.Contains(events, e => e.Type == "web.login" && e.Has("email", Messy.EmailAsWritten) && e.Identities.Any(i => i.Namespace == "ecid"));
        Assert.Contains(events, e => e.Has("email", Messy.Email));

        // Normalising the raw forms gives the normalised ones.
        Assert.Equal(Messy.Email, Messy.EmailAsWritten.Trim().ToLowerInvariant());
        var phones = PhoneNumbers.PhoneNumberUtil.GetInstance();
        Assert.Equal(Messy.Phone, phones.Format(phones.Parse(Messy.PhoneAsWritten, "US"), PhoneNumbers.PhoneNumberFormat.E164));
    }
}
