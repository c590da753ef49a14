using static ProfileGrid.Domain.UnitTests.Support.Ids;

namespace ProfileGrid.Domain.UnitTests.Identity;

public class StitchPlannerTests
{
    private static readonly StitchPlanner Planner = new(IdentityRules.Default);

    /// <summary>
    /// One row of the table. Identities and lists are space separated; <c>Owners</c> is
    /// <c>identity=profile</c>; <c>Profiles</c> is <c>profile=its unique identities</c> separated by ';';
    /// <c>Relinks</c> is <c>identity&lt;from-profile</c>; <c>Skipped</c> is <c>identity~reason</c> separated by ';'.
    /// </summary>
    public sealed record Row(
        string Identities,
        string Owners,
        string Profiles,
        string? Target,
        string Merges,
        string Relinks,
        string Claims,
        string Linked,
        string Skipped = "");

    private static readonly Dictionary<string, Row> Table = new(StringComparer.Ordinal)
    {
        ["All unowned identities start a new person who claims them all"] = new(
            Identities: "ecid:D email:a@l.ex crmId:A",
            Owners: "", Profiles: "",
            Target: null, Merges: "", Relinks: "",
            Claims: "crmId:A email:a@l.ex ecid:D",
            Linked: "crmId:A email:a@l.ex ecid:D"),

        ["A single unknown device starts a new anonymous person"] = new(
            Identities: "ecid:D", Owners: "", Profiles: "",
            Target: null, Merges: "", Relinks: "", Claims: "ecid:D", Linked: "ecid:D"),

        ["A single known device goes to its owner"] = new(
            Identities: "ecid:D", Owners: "ecid:D=p4", Profiles: "p4=",
            Target: "p4", Merges: "", Relinks: "", Claims: "", Linked: "ecid:D"),

        ["All identities owned by one person go to that person"] = new(
            Identities: "ecid:D crmId:A email:a@l.ex",
            Owners: "crmId:A=p1 ecid:D=p1 email:a@l.ex=p1", Profiles: "p1=crmId:A email:a@l.ex",
            Target: "p1", Merges: "", Relinks: "", Claims: "",
            Linked: "crmId:A email:a@l.ex ecid:D"),

        ["A known person claims the new identities that arrive with them"] = new(
            Identities: "crmId:A email:a@l.ex ecid:L",
            Owners: "crmId:A=p1", Profiles: "p1=crmId:A loyaltyId:L1",
            Target: "p1", Merges: "", Relinks: "",
            Claims: "email:a@l.ex ecid:L",
            Linked: "crmId:A email:a@l.ex ecid:L"),

        ["A new email on the device of an anonymous profile joins that profile"] = new(
            Identities: "email:s@l.ex ecid:phone",
            Owners: "ecid:phone=p2", Profiles: "p2=",
            Target: "p2", Merges: "", Relinks: "",
            Claims: "email:s@l.ex",
            Linked: "email:s@l.ex ecid:phone"),

        ["Signing in merges the anonymous profile into the known person (known id is lower)"] = new(
            Identities: "email:s@l.ex ecid:phone",
            Owners: "email:s@l.ex=p1 ecid:phone=p2", Profiles: "p1=crmId:S email:s@l.ex; p2=",
            Target: "p1", Merges: "p2", Relinks: "", Claims: "",
            Linked: "email:s@l.ex ecid:phone"),

        ["Signing in merges the anonymous profile and the lower id survives even when it is the anonymous one"] = new(
            Identities: "email:s@l.ex ecid:phone",
            Owners: "email:s@l.ex=p5 ecid:phone=p2", Profiles: "p5=crmId:S email:s@l.ex; p2=",
            Target: "p2", Merges: "p5", Relinks: "", Claims: "",
            Linked: "email:s@l.ex ecid:phone"),

        ["An event on two anonymous devices merges their profiles and the lower id survives"] = new(
            Identities: "ecid:b ecid:a",
            Owners: "ecid:a=p7 ecid:b=p3", Profiles: "p7=; p3=",
            Target: "p3", Merges: "p7", Relinks: "", Claims: "",
            Linked: "ecid:a ecid:b"),

        ["An anonymous event with a new device and a known person's device joins that person"] = new(
            Identities: "ecid:a ecid:b",
            Owners: "ecid:b=p1", Profiles: "p1=crmId:A",
            Target: "p1", Merges: "", Relinks: "", Claims: "ecid:a",
            Linked: "ecid:a ecid:b"),

        ["A new email on the device of a person without an email joins that person"] = new(
            Identities: "email:b@l.ex ecid:D",
            Owners: "ecid:D=p1", Profiles: "p1=crmId:A",
            Target: "p1", Merges: "", Relinks: "", Claims: "email:b@l.ex",
            Linked: "email:b@l.ex ecid:D"),

        ["Shared device moves to the known person who authenticated on it, without a merge"] = new(
            Identities: "crmId:B ecid:D",
            Owners: "crmId:B=p2 ecid:D=p1", Profiles: "p1=crmId:A; p2=crmId:B",
            Target: "p2", Merges: "", Relinks: "ecid:D<p1", Claims: "",
            Linked: "crmId:B ecid:D"),

        ["Shared device moves to a new person who authenticated on it"] = new(
            Identities: "crmId:B ecid:D",
            Owners: "ecid:D=p1", Profiles: "p1=crmId:A",
            Target: null, Merges: "", Relinks: "ecid:D<p1", Claims: "crmId:B",
            Linked: "crmId:B ecid:D"),

        ["Shared device moves to a new person who authenticated with another email"] = new(
            Identities: "email:b@l.ex ecid:D",
            Owners: "ecid:D=p1", Profiles: "p1=crmId:A email:a@l.ex",
            Target: null, Merges: "", Relinks: "ecid:D<p1", Claims: "email:b@l.ex",
            Linked: "email:b@l.ex ecid:D"),

        ["Two authenticated identities of different people are not merged and the weaker is skipped"] = new(
            Identities: "email:x@l.ex crmId:A",
            Owners: "crmId:A=p1 email:x@l.ex=p2", Profiles: "p1=crmId:A; p2=crmId:B email:x@l.ex",
            Target: "p1", Merges: "", Relinks: "", Claims: "",
            Linked: "crmId:A",
            Skipped: "email:x@l.ex~not linked: email:x@l.ex belongs to a person with another crmId than crmId:A"),

        ["A new person whose email belongs to someone else gets no email"] = new(
            Identities: "crmId:A email:x@l.ex",
            Owners: "email:x@l.ex=p2", Profiles: "p2=crmId:B email:x@l.ex",
            Target: null, Merges: "", Relinks: "", Claims: "crmId:A",
            Linked: "crmId:A",
            Skipped: "email:x@l.ex~not linked: email:x@l.ex belongs to a person with another crmId than crmId:A"),

        ["An anonymous event on devices of two authenticated people links only the first"] = new(
            Identities: "ecid:d2 ecid:d1",
            Owners: "ecid:d1=p1 ecid:d2=p2", Profiles: "p1=crmId:A; p2=crmId:B",
            Target: "p1", Merges: "", Relinks: "", Claims: "",
            Linked: "ecid:d1",
            Skipped: "ecid:d2~not linked: ecid:d2 belongs to another authenticated person and this event is anonymous"),

        ["An unowned unique identity that conflicts with the person's own is skipped"] = new(
            Identities: "crmId:A email:new@l.ex",
            Owners: "crmId:A=p1", Profiles: "p1=crmId:A email:old@l.ex",
            Target: "p1", Merges: "", Relinks: "", Claims: "",
            Linked: "crmId:A",
            Skipped: "email:new@l.ex~not linked: the person already has email:old@l.ex and email is unique"),

        ["An unowned device is still claimed when a unique identity of the same event is skipped"] = new(
            Identities: "crmId:A email:new@l.ex ecid:N",
            Owners: "crmId:A=p1", Profiles: "p1=crmId:A email:old@l.ex",
            Target: "p1", Merges: "", Relinks: "", Claims: "ecid:N",
            Linked: "crmId:A ecid:N",
            Skipped: "email:new@l.ex~not linked: the person already has email:old@l.ex and email is unique"),

        ["A chain of three profiles merges in one event into the lowest id, merges ascending"] = new(
            Identities: "ecid:D email:x@l.ex loyaltyId:L",
            Owners: "loyaltyId:L=p2 email:x@l.ex=p3 ecid:D=p1", Profiles: "p1=; p2=loyaltyId:L; p3=email:x@l.ex",
            Target: "p1", Merges: "p2 p3", Relinks: "", Claims: "",
            Linked: "loyaltyId:L email:x@l.ex ecid:D"),

        ["A chain of three authenticated profiles merges when their identities are compatible"] = new(
            Identities: "crmId:A email:x@l.ex phone:+14155550142",
            Owners: "crmId:A=p9 email:x@l.ex=p4 phone:+14155550142=p6",
            Profiles: "p9=crmId:A; p4=email:x@l.ex loyaltyId:L; p6=phone:+14155550142",
            Target: "p4", Merges: "p6 p9", Relinks: "", Claims: "",
            Linked: "crmId:A email:x@l.ex phone:+14155550142"),

        ["An identity of a profile already joined by the event is simply linked"] = new(
            Identities: "crmId:A email:x@l.ex ecid:D",
            Owners: "crmId:A=p1 email:x@l.ex=p2 ecid:D=p2", Profiles: "p1=crmId:A; p2=email:x@l.ex",
            Target: "p1", Merges: "p2", Relinks: "", Claims: "",
            Linked: "crmId:A email:x@l.ex ecid:D"),

        ["One event can merge an anonymous profile and move a shared device"] = new(
            Identities: "crmId:A ecid:D ecid:E",
            Owners: "crmId:A=p2 ecid:D=p1 ecid:E=p3", Profiles: "p1=; p2=crmId:A; p3=crmId:B",
            Target: "p1", Merges: "p2", Relinks: "ecid:E<p3", Claims: "",
            Linked: "crmId:A ecid:D ecid:E"),

        ["The device of a person whose email was skipped moves to the authenticated person"] = new(
            Identities: "crmId:A email:y@l.ex ecid:D",
            Owners: "crmId:A=p1 email:y@l.ex=p2 ecid:D=p2", Profiles: "p1=crmId:A; p2=crmId:B email:y@l.ex",
            Target: "p1", Merges: "", Relinks: "ecid:D<p2", Claims: "",
            Linked: "crmId:A ecid:D",
            Skipped: "email:y@l.ex~not linked: email:y@l.ex belongs to a person with another crmId than crmId:A"),

        ["A claimed email makes a later person with another email conflict, so their device moves"] = new(
            Identities: "crmId:A email:a@l.ex ecid:D",
            Owners: "ecid:D=p1", Profiles: "p1=email:z@l.ex",
            Target: null, Merges: "", Relinks: "ecid:D<p1", Claims: "crmId:A email:a@l.ex",
            Linked: "crmId:A email:a@l.ex ecid:D"),

        ["Two devices of the same other person both move"] = new(
            Identities: "crmId:B ecid:D ecid:E",
            Owners: "crmId:B=p2 ecid:D=p1 ecid:E=p1", Profiles: "p1=crmId:A; p2=crmId:B",
            Target: "p2", Merges: "", Relinks: "ecid:D<p1 ecid:E<p1", Claims: "",
            Linked: "crmId:B ecid:D ecid:E"),
    };

    public static TheoryData<string> Scenarios => new(Table.Keys);

    private static StitchPlan PlanOf(Row row, bool reversed)
    {
        var identities = Ks(row.Identities).ToList();
        if (reversed) identities.Reverse();
        var owners = new Dictionary<IdentityKey, string?>();
        foreach (var entry in row.Owners.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = entry.LastIndexOf('=');
            owners[K(entry[..eq])] = entry[(eq + 1)..];
        }
        var profiles = new Dictionary<string, ProfileIdentitySummary>(StringComparer.Ordinal);
        foreach (var entry in row.Profiles.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = entry.IndexOf('=');
            var id = entry[..eq];
            profiles[id] = new ProfileIdentitySummary(id, Ks(entry[(eq + 1)..]));
        }
        // The table itself must be consistent: an owned unique identity is in its owner's summary.
        foreach (var (key, owner) in owners)
        {
            Assert.True(profiles.ContainsKey(owner!), $"table: profile {owner} has no summary");
            if (IdentityRules.Default.IsUnique(key)) Assert.Contains(key, profiles[owner!].UniqueIdentities);
        }
        return Planner.Plan(identities, owners, profiles);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Plan_follows_the_stitching_rules(string scenario)
    {
        var row = Table[scenario];
        var plan = PlanOf(row, reversed: false);

        Assert.Equal(row.Target, plan.TargetProfileId);
        Assert.Equal(row.Merges, string.Join(" ", plan.Merges));
        Assert.Equal(row.Relinks, string.Join(" ", plan.Relinks.Select(r => $"{r.Identity}<{r.FromProfileId}")));
        Assert.Equal(row.Claims, string.Join(" ", plan.Claims));
        Assert.Equal(row.Linked, string.Join(" ", plan.Linked));
        Assert.Equal(row.Skipped, string.Join(";", plan.Skipped.Select(s => $"{s.Identity}~{s.Reason}")));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Plan_does_not_depend_on_the_order_identities_arrive_in(string scenario)
    {
        var row = Table[scenario];
        var forward = PlanOf(row, reversed: false);
        var backward = PlanOf(row, reversed: true);

        Assert.Equal(forward.TargetProfileId, backward.TargetProfileId);
        Assert.Equal(forward.Merges.ToArray(), backward.Merges.ToArray());
        Assert.Equal(forward.Relinks.ToArray(), backward.Relinks.ToArray());
        Assert.Equal(forward.Claims.ToArray(), backward.Claims.ToArray());
        Assert.Equal(forward.Linked.ToArray(), backward.Linked.ToArray());
        Assert.Equal(forward.Skipped.ToArray(), backward.Skipped.ToArray());
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Plan_accounts_for_every_identity_and_never_puts_two_values_of_a_unique_namespace_together(string scenario)
    {
        var row = Table[scenario];
        var plan = PlanOf(row, reversed: false);
        var rules = IdentityRules.Default;

        // Every identity is either linked or skipped, never both.
        Assert.Equal(Show(Ks(row.Identities)), Show(plan.Linked.Concat(plan.Skipped.Select(s => s.Identity))));
        Assert.Equal(plan.Linked.Length, plan.Linked.Distinct().Count());
        Assert.Equal(rules.Primary(Ks(row.Identities)), plan.Linked[0]);
        Assert.All(plan.Claims, c => Assert.Contains(c, plan.Linked));
        Assert.All(plan.Relinks, r => Assert.Contains(r.Identity, plan.Linked));
        Assert.All(plan.Relinks, r => Assert.False(rules.IsUnique(r.Identity)));

        // Merges run from the lowest id: the target is lower than every merged profile, merges ascend.
        Assert.Equal(plan.Merges.Order(StringComparer.Ordinal).ToArray(), plan.Merges.ToArray());
        if (plan.TargetProfileId is { } target)
            Assert.All(plan.Merges, m => Assert.True(string.CompareOrdinal(target, m) < 0, $"{m} merges into {target}"));
        else
            Assert.Empty(plan.Merges);

        // The person after the plan: the target's and merged profiles' unique identities plus the linked ones.
        var profiles = row.Profiles.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToDictionary(p => p[..p.IndexOf('=')], p => Ks(p[(p.IndexOf('=') + 1)..]), StringComparer.Ordinal);
        var person = plan.Linked.Where(rules.IsUnique)
            .Concat(new[] { plan.TargetProfileId }.Concat(plan.Merges).OfType<string>().SelectMany(p => profiles[p]))
            .Distinct().ToList();
        Assert.All(person.GroupBy(k => k.Namespace), g => Assert.Single(g));
    }

    [Fact]
    public void Custom_unique_namespace_with_the_highest_priority_decides_the_target()
    {
        var options = new IdentityOptions();
        options.Namespaces["partnerId"] = new IdentityNamespaceSettings { Unique = true, Priority = 0 };
        var planner = new StitchPlanner(new IdentityRules(options));

        var plan = planner.Plan(
            Ks("crmId:A partnerId:P ecid:D"),
            new Dictionary<IdentityKey, string?> { [K("partnerId:P")] = "p2", [K("crmId:A")] = "p1" },
            new Dictionary<string, ProfileIdentitySummary>
            {
                ["p1"] = new("p1", Ks("crmId:A")),
                ["p2"] = new("p2", Ks("crmId:B partnerId:P")),
            });

        Assert.Equal("p2", plan.TargetProfileId);
        Assert.Equal("partnerId:P ecid:D", string.Join(" ", plan.Linked));
        Assert.Equal("ecid:D", string.Join(" ", plan.Claims));
        var skipped = Assert.Single(plan.Skipped);
        Assert.Equal(K("crmId:A"), skipped.Identity);
        Assert.Equal("not linked: crmId:A belongs to a person with another crmId than crmId:B", skipped.Reason);
    }

    [Fact]
    public void An_owner_given_as_null_counts_as_unowned()
    {
        var plan = Planner.Plan(
            Ks("crmId:A ecid:D"),
            new Dictionary<IdentityKey, string?> { [K("crmId:A")] = null, [K("ecid:D")] = null },
            new Dictionary<string, ProfileIdentitySummary>());
        Assert.Null(plan.TargetProfileId);
        Assert.Equal("crmId:A ecid:D", Line(plan.Claims));
    }

    [Fact]
    public void Plan_without_identities_throws()
    {
        Assert.Throws<ArgumentException>(() => Planner.Plan([], new Dictionary<IdentityKey, string?>(), new Dictionary<string, ProfileIdentitySummary>()));
    }

    [Fact]
    public void Order_lists_identities_strongest_first()
    {
        Assert.Equal("crmId:A loyaltyId:L email:e@l.ex phone:+1 ecid:a ecid:b",
            Line(Planner.Order(Ks("ecid:b phone:+1 ecid:a email:e@l.ex loyaltyId:L crmId:A"))));
    }

    [Fact]
    public void Order_of_an_event_array_and_its_primary_agree_with_the_rules_on_random_identities()
    {
        var random = new Random(11);
        string[] namespaces = ["crmId", "loyaltyId", "email", "phone", "ecid", "custom"];
        for (var trial = 0; trial < 2_000; trial++)
        {
            // Duplicates included: equal keys keep the order they came in.
            var keys = Enumerable.Range(0, random.Next(1, 7))
                .Select(_ => new IdentityKey(namespaces[random.Next(namespaces.Length)], $"v{random.Next(3)}"))
                .ToImmutableArray();
            var expected = keys.Order(Comparer<IdentityKey>.Create(IdentityRules.Default.Compare)).ToArray();

            var ordered = Planner.Order(keys);

            Assert.Equal(expected, ordered.ToArray());
            Assert.All(expected.Zip(ordered), pair => Assert.Same(pair.First, pair.Second));
            Assert.Equal(expected, Planner.Order(keys.AsEnumerable()).ToArray());
            Assert.Same(expected[0], Planner.Primary(keys));
            Assert.Equal(IdentityRules.Default.Primary(keys), Planner.Primary(keys));
        }
        Assert.Throws<ArgumentException>(() => Planner.Primary([]));
    }

    [Theory]
    [InlineData("crmId:A email:x@l.ex", "email:x@l.ex ecid:D", true)]
    [InlineData("crmId:A", "email:x@l.ex", true)]
    [InlineData("", "crmId:B", true)]
    [InlineData("crmId:A", "crmId:A", true)]
    [InlineData("ecid:D", "ecid:E", true)]
    [InlineData("crmId:A", "crmId:B", false)]
    [InlineData("crmId:A email:x@l.ex", "crmId:A email:y@l.ex", false)]
    [InlineData("phone:+1", "loyaltyId:L phone:+2", false)]
    public void Compatible_is_false_exactly_when_a_unique_namespace_would_hold_two_values(string a, string b, bool expected)
    {
        Assert.Equal(expected, Planner.Compatible(Ks(a), Ks(b)));
        Assert.Equal(expected, Planner.Compatible(Ks(b), Ks(a)));
    }
}
