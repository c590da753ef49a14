using ProfileGrid.Events;
using ProfileGrid.Identity;

namespace ProfileGrid.Demo.UnitTests;

/// <summary>The demo data passes the grid's own ingestion rules, with the default configuration.</summary>
public class ValidationTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }

    [Fact]
    public void Every_event_is_accepted_by_the_event_validator()
    {
        var validator = new EventValidator(new IngestionOptions(), IdentityRules.Default, new FixedTime(Demo.Now));
        var rejected = Demo.Default.Events
            .Select(e => validator.TryValidate(e, out _, out var reason) ? null : $"{e.Id} ({e.Type}): {reason}")
            .OfType<string>().ToList();
        Assert.Empty(rejected);
    }

    [Fact]
    public void Raw_forms_normalise_to_the_forms_used_elsewhere()
    {
        var rules = IdentityRules.Default;
        Assert.Equal(new IdentityKey("phone", LumaDemo.MessyContact.Phone), rules.Normalize("phone", LumaDemo.MessyContact.PhoneAsWritten));
        Assert.Equal(new IdentityKey("email", LumaDemo.MessyContact.Email), rules.Normalize("email", LumaDemo.MessyContact.EmailAsWritten));
        Assert.Equal(new IdentityKey("phone", LumaDemo.Sarah.Phone), rules.Normalize("phone", LumaDemo.Sarah.Phone));
    }

    [Fact]
    public void No_event_carries_two_values_of_a_unique_namespace_and_people_do_not_merge_by_accident()
    {
        // Union the identities each event carries (normalised by the grid's rules), leaving out the
        // family laptop: every resulting group holds at most one value of each unique namespace.
        var rules = IdentityRules.Default;
        var parent = new Dictionary<IdentityKey, IdentityKey>();
        IdentityKey Find(IdentityKey x)
        {
            while (!parent[x].Equals(x)) x = parent[x] = parent[parent[x]];
            return x;
        }
        foreach (var e in Demo.Default.Events)
        {
            var keys = e.Identities.Where(i => i.Id != LumaDemo.SharedLaptop.Ecid).Select(i => rules.Normalize(i.Namespace, i.Id)).ToList();
            foreach (var key in keys) parent.TryAdd(key, key);
            for (var k = 1; k < keys.Count; k++) parent[Find(keys[k])] = Find(keys[0]);
        }
        var conflicts = parent.Keys.Where(rules.IsUnique).GroupBy(Find)
            .SelectMany(g => g.GroupBy(k => k.Namespace).Where(n => n.Count() > 1).Select(n => string.Join(", ", n)))
            .ToList();
        Assert.Empty(conflicts);

        // Sarah's phone ECID ends up in her group once she signs in.
        Assert.Equal(Find(new IdentityKey("crmId", LumaDemo.Sarah.CrmId)), Find(new IdentityKey("ecid", LumaDemo.Sarah.DevicePhone)));
        Assert.Equal(Find(new IdentityKey("crmId", LumaDemo.Sarah.CrmId)), Find(new IdentityKey("phone", LumaDemo.Sarah.Phone)));
        Assert.Equal(Find(new IdentityKey("crmId", LumaDemo.MessyContact.CrmId)), Find(new IdentityKey("phone", LumaDemo.MessyContact.Phone)));
    }
}
