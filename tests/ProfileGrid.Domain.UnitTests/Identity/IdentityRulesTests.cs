namespace ProfileGrid.Domain.UnitTests.Identity;

public class IdentityRulesTests
{
    private static readonly IdentityRules Rules = IdentityRules.Default;

    private static string ErrorOf(IdentityRules rules, string? ns, string? value)
    {
        Assert.False(rules.TryNormalize(ns, value, out _, out var error), $"{ns}:{value} was accepted");
        Assert.NotEmpty(error);
        // Normalize throws the same reason the Try form reports.
        Assert.Equal(error, Assert.Throws<ArgumentException>(() => rules.Normalize(ns, value)).Message);
        return error;
    }

    private static string ErrorOf(string? ns, string? value) => ErrorOf(Rules, ns, value);

    private static IdentityOptions WithNamespace(string name, bool unique, int priority)
    {
        var options = new IdentityOptions();
        options.Namespaces[name] = new IdentityNamespaceSettings { Unique = unique, Priority = priority };
        return options;
    }

    // ---- normalisation -------------------------------------------------------------------------

    [Theory]
    [InlineData("  Sarah@Luma.Example  ", "sarah@luma.example")]
    [InlineData("SARAH@LUMA.EXAMPLE", "sarah@luma.example")]
    [InlineData("sarah@luma.example", "sarah@luma.example")]
    [InlineData("\tSarah.Miller+yoga@Luma.Example\n", "sarah.miller+yoga@luma.example")]
    public void Email_is_lower_cased_and_trimmed(string raw, string expected)
    {
        Assert.Equal(new IdentityKey("email", expected), Rules.Normalize("email", raw));
    }

    [Fact]
    public void Differently_cased_emails_are_one_identity()
    {
        Assert.Equal(Rules.Normalize("email", "Sarah@Luma.example"), Rules.Normalize("email", "sarah@luma.example"));
        Assert.Equal("email:sarah@luma.example", Rules.Normalize("email", "Sarah@Luma.example").ToString());
    }

    [Theory]
    [InlineData("+1 415 555 0142")]
    [InlineData("(415) 555-0142")]
    [InlineData("415.555.0142")]
    [InlineData("+1 (415) 555-0142")]
    [InlineData("4155550142")]
    [InlineData("  +14155550142  ")]
    [InlineData("1-415-555-0142")]
    public void Phone_is_normalised_to_E164_with_the_default_region_US(string raw)
    {
        Assert.Equal(new IdentityKey("phone", "+14155550142"), Rules.Normalize("phone", raw));
    }

    [Theory]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("+49 30 901820", "+4930901820")]
    public void Phone_with_a_country_code_keeps_its_country(string raw, string expected)
    {
        Assert.Equal(expected, Rules.Normalize("phone", raw).Value);
    }

    [Fact]
    public void Phone_without_a_country_code_is_read_in_the_configured_default_region()
    {
        var british = new IdentityRules(new IdentityOptions { DefaultPhoneRegion = "GB" });
        Assert.Equal("+442079460958", british.Normalize("phone", "020 7946 0958").Value);
        Assert.Contains("region GB", ErrorOf(british, "phone", "12"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crmId", "  CRM-001  ", "CRM-001")]
    [InlineData("crmId", "Crm-Mixed-Case", "Crm-Mixed-Case")]
    [InlineData("loyaltyId", "\tLUMA-PLUS-42 ", "LUMA-PLUS-42")]
    [InlineData("ecid", " 0A1b2C3d-4E5f ", "0A1b2C3d-4E5f")]
    [InlineData("ecid", "device with spaces", "device with spaces")]
    public void Other_namespaces_are_trimmed_and_keep_their_case(string ns, string raw, string expected)
    {
        Assert.Equal(new IdentityKey(ns, expected), Rules.Normalize(ns, raw));
    }

    [Fact]
    public void Namespace_is_trimmed()
    {
        Assert.Equal(new IdentityKey("crmId", "A"), Rules.Normalize("  crmId ", "A"));
    }

    // ---- blocked values ------------------------------------------------------------------------

    [Theory]
    [InlineData("crmId", "", "crmId: id is empty")]
    [InlineData("crmId", "   ", "crmId: id is empty")]
    [InlineData("ecid", "\t\r\n", "ecid: id is empty")]
    [InlineData("email", null, "email: id is required")]
    public void Missing_and_empty_values_are_rejected(string ns, string? value, string expected)
    {
        Assert.Equal(expected, ErrorOf(ns, value));
    }

    [Theory]
    [InlineData("crmId", "null")]
    [InlineData("crmId", "NULL")]
    [InlineData("crmId", " Null ")]
    [InlineData("ecid", "anonymous")]
    [InlineData("ecid", "Anonymous")]
    [InlineData("ecid", "undefined")]
    [InlineData("loyaltyId", "nil")]
    [InlineData("loyaltyId", "none")]
    [InlineData("loyaltyId", "unknown")]
    [InlineData("crmId", "n/a")]
    [InlineData("crmId", "N/A")]
    [InlineData("crmId", "na")]
    [InlineData("crmId", "test")]
    [InlineData("ecid", "[object Object]")]
    [InlineData("ecid", "-")]
    [InlineData("email", "NULL")]
    [InlineData("phone", "undefined")]
    public void Blocked_values_are_not_identities(string ns, string value)
    {
        var error = ErrorOf(ns, value);
        Assert.StartsWith($"{ns}: '{value.Trim()}'", error, StringComparison.Ordinal);
        Assert.Contains("is a blocked value, not an identity", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crmId", "0")]
    [InlineData("crmId", "0000")]
    [InlineData("ecid", "00-00")]
    [InlineData("ecid", "00000000-0000-0000-0000-000000000000")]
    [InlineData("ecid", "00:00:00:00:00:00")]
    [InlineData("loyaltyId", "0.0.0")]
    [InlineData("loyaltyId", "0 0 0 0")]
    [InlineData("phone", "0000000000")]
    [InlineData("phone", "000-000-0000")]
    public void All_zero_values_are_not_identities(string ns, string value)
    {
        Assert.Equal($"{ns}: '{value}' is all zeros, not an identity", ErrorOf(ns, value));
    }

    [Theory]
    [InlineData("0001")]
    [InlineData("10")]
    [InlineData("a0")]
    [InlineData("null-0")]
    [InlineData("testing")]
    [InlineData("--")]
    public void Values_that_only_resemble_blocked_ones_are_accepted(string value)
    {
        Assert.Equal(value, Rules.Normalize("crmId", value).Value);
    }

    [Fact]
    public void Blocked_values_come_from_configuration()
    {
        var rules = new IdentityRules(new IdentityOptions { BlockedValues = ["guest", " visitor "] });
        Assert.Contains("'GUEST' is a blocked value", ErrorOf(rules, "crmId", "GUEST"), StringComparison.Ordinal);
        Assert.Contains("'visitor' is a blocked value", ErrorOf(rules, "crmId", "visitor"), StringComparison.Ordinal);
        Assert.Equal("null", rules.Normalize("crmId", "null").Value);
        Assert.Contains("all zeros", ErrorOf(rules, "crmId", "000"), StringComparison.Ordinal);
    }

    // ---- namespaces, length, format --------------------------------------------------------------

    [Theory]
    [InlineData("fax")]
    [InlineData("Email")]
    [InlineData("CRMID")]
    public void Unknown_namespace_is_rejected_and_the_message_lists_the_known_ones(string ns)
    {
        Assert.Equal(
            $"namespace '{ns}' is not configured (known: crmId, ecid, email, loyaltyId, phone)",
            ErrorOf(ns, "value"));
        Assert.False(Rules.IsKnownNamespace(ns));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing_namespace_is_rejected(string? ns)
    {
        Assert.Equal("namespace is required", ErrorOf(ns, "value"));
    }

    [Theory]
    [InlineData("crmId", 257)]
    [InlineData("ecid", 1000)]
    public void Value_over_the_length_limit_is_rejected_naming_the_setting(string ns, int length)
    {
        Assert.Equal(
            $"{ns}: id is {length} characters, over the limit of 256 (ProfileGrid:Identity:MaxValueLength)",
            ErrorOf(ns, new string('x', length)));
    }

    [Fact]
    public void Value_at_the_length_limit_is_accepted()
    {
        Assert.Equal(256, Rules.Normalize("crmId", new string('x', 256)).Value.Length);
        // The limit applies after trimming.
        Assert.Equal(256, Rules.Normalize("crmId", $"  {new string('x', 256)}  ").Value.Length);
    }

    [Fact]
    public void Length_limit_is_configurable_and_applies_to_normalised_emails()
    {
        var rules = new IdentityRules(new IdentityOptions { MaxValueLength = 12 });
        Assert.Equal("ab@luma.exam", rules.Normalize("email", " AB@Luma.Exam ").Value);
        Assert.Equal(
            "email: id is 13 characters, over the limit of 12 (ProfileGrid:Identity:MaxValueLength)",
            ErrorOf(rules, "email", "abc@luma.exam"));
    }

    [Theory]
    [InlineData("sarah")]
    [InlineData("sarah@")]
    [InlineData("@luma.example")]
    [InlineData("sarah@luma")]
    [InlineData("sarah@@luma.example")]
    [InlineData("sarah@luma@example.com")]
    [InlineData("sa rah@luma.example")]
    [InlineData("sarah@luma.")]
    [InlineData("sarah@.example")]
    [InlineData("sarah@l.")]
    public void Invalid_email_is_rejected(string value)
    {
        Assert.Equal($"email: '{value}' is not an email address (expected local@domain)", ErrorOf("email", value));
    }

    [Theory]
    [InlineData("a@b.co")]
    [InlineData("first.last@sub.luma.example")]
    public void Short_and_dotted_emails_are_accepted(string value)
    {
        Assert.Equal(value, Rules.Normalize("email", value).Value);
    }

    [Theory]
    [InlineData("12")]
    [InlineData("555")]
    [InlineData("phone")]
    [InlineData("+999 1234 5678")]
    [InlineData("+1 415 555 0142 0142 0142 99")]
    public void Impossible_phone_number_is_rejected(string value)
    {
        Assert.Equal(
            $"phone: '{value}' is not a possible phone number (expected E.164 such as +14155550142, or a number in region US)",
            ErrorOf("phone", value));
    }

    [Theory]
    [InlineData("crmId", "CRM\u0001001")]
    [InlineData("crmId", "CRM\n001")]
    [InlineData("ecid", "dev\u0000ice")]
    [InlineData("ecid", "dev\u007Fice")]
    [InlineData("email", "sarah\u0007@luma.example")]
    public void Control_characters_are_rejected(string ns, string value)
    {
        Assert.Equal($"{ns}: id contains control characters", ErrorOf(ns, value));
    }

    // ---- custom namespaces and ranking -------------------------------------------------------------

    [Fact]
    public void Custom_unique_namespace_with_a_priority_takes_part_in_every_rule()
    {
        var rules = new IdentityRules(WithNamespace("partnerId", unique: true, priority: 0));

        var partner = rules.Normalize("partnerId", "  P-77 ");
        Assert.Equal(new IdentityKey("partnerId", "P-77"), partner);
        Assert.True(rules.IsKnownNamespace("partnerId"));
        Assert.True(rules.IsUnique("partnerId"));
        Assert.True(rules.IsUnique(partner));
        Assert.Equal(0, rules.Priority(partner));
        Assert.Equal(partner, rules.Primary([Ids.K("crmId:A"), partner, Ids.K("email:a@b.co")]));
        Assert.Contains("(known: crmId, ecid, email, loyaltyId, partnerId, phone)", ErrorOf(rules, "fax", "1"), StringComparison.Ordinal);
        Assert.Contains("blocked value", ErrorOf(rules, "partnerId", "null"), StringComparison.Ordinal);
    }

    [Fact]
    public void Custom_non_unique_namespace_ranks_by_its_priority()
    {
        var rules = new IdentityRules(WithNamespace("deviceId", unique: false, priority: 20));
        var device = rules.Normalize("deviceId", "D1");
        Assert.False(rules.IsUnique(device));
        Assert.Equal(Ids.K("ecid:E"), rules.Primary([device, Ids.K("ecid:E")]));
    }

    [Fact]
    public void Configuration_can_override_a_default_namespace()
    {
        var options = new IdentityOptions();
        options.Namespaces["ecid"] = new IdentityNamespaceSettings { Unique = true, Priority = 10 };
        var rules = new IdentityRules(options);
        Assert.True(rules.IsUnique("ecid"));
        Assert.False(IdentityRules.Default.IsUnique("ecid"));
    }

    [Theory]
    [InlineData("crmId", true, 1)]
    [InlineData("loyaltyId", true, 2)]
    [InlineData("email", true, 3)]
    [InlineData("phone", true, 4)]
    [InlineData("ecid", false, 10)]
    public void Default_namespaces_have_their_documented_uniqueness_and_priority(string ns, bool unique, int priority)
    {
        Assert.Equal(unique, Rules.IsUnique(ns));
        Assert.Equal(priority, Rules.Priority(new IdentityKey(ns, "x")));
    }

    [Fact]
    public void Unknown_namespace_is_neither_unique_nor_ranked()
    {
        Assert.False(Rules.IsUnique("fax"));
        Assert.Equal(int.MaxValue, Rules.Priority(Ids.K("fax:1")));
    }

    [Fact]
    public void Identities_order_strongest_first_by_priority_then_namespace_then_value()
    {
        var shuffled = Ids.Ks("ecid:b fax:1 phone:+14155550142 ecid:a email:s@l.ex loyaltyId:L crmId:Z crmId:A");
        var ordered = shuffled.Order(Comparer<IdentityKey>.Create(Rules.Compare)).Select(k => k.ToString());
        Assert.Equal(
            ["crmId:A", "crmId:Z", "loyaltyId:L", "email:s@l.ex", "phone:+14155550142", "ecid:a", "ecid:b", "fax:1"],
            ordered);
    }

    [Theory]
    [InlineData("ecid:D email:s@l.ex crmId:A loyaltyId:L phone:+1", "crmId:A")]
    [InlineData("ecid:D email:s@l.ex loyaltyId:L", "loyaltyId:L")]
    [InlineData("ecid:D phone:+1 email:s@l.ex", "email:s@l.ex")]
    [InlineData("ecid:D phone:+1", "phone:+1")]
    [InlineData("ecid:b ecid:a", "ecid:a")]
    [InlineData("ecid:D", "ecid:D")]
    public void Primary_is_the_highest_priority_identity(string identities, string expected)
    {
        Assert.Equal(Ids.K(expected), Rules.Primary(Ids.Ks(identities)));
        Assert.Equal(Ids.K(expected), Rules.Primary(Ids.Ks(identities).Reverse()));
    }

    [Fact]
    public void Primary_of_no_identities_throws()
    {
        Assert.Throws<ArgumentException>(() => Rules.Primary([]));
    }

    // ---- invalid configuration -----------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("1partner")]
    [InlineData("_partner")]
    [InlineData("partner id")]
    [InlineData("partner.id")]
    [InlineData("partner:id")]
    [InlineData("partnér")]
    public void Invalid_namespace_name_throws_naming_the_key(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new IdentityRules(WithNamespace(name, unique: false, priority: 5)));
        Assert.Equal(
            $"ProfileGrid:Identity:Namespaces: '{name}' is not a valid namespace name (letters, digits, '_' or '-', starting with a letter).",
            error.Message);
    }

    [Theory]
    [InlineData("p")]
    [InlineData("partner_id")]
    [InlineData("partner-id")]
    [InlineData("Partner2")]
    public void Valid_namespace_names_are_accepted(string name)
    {
        Assert.True(new IdentityRules(WithNamespace(name, unique: false, priority: 5)).IsKnownNamespace(name));
    }

    [Fact]
    public void Namespace_names_may_have_64_characters_but_not_65()
    {
        var longest = "p" + new string('x', 63);
        Assert.True(new IdentityRules(WithNamespace(longest, unique: false, priority: 5)).IsKnownNamespace(longest));
        var tooLong = longest + "x";
        var error = Assert.Throws<ArgumentException>(() => new IdentityRules(WithNamespace(tooLong, unique: false, priority: 5)));
        Assert.Contains($"'{tooLong}' is not a valid namespace name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_priority_throws_naming_the_key()
    {
        var error = Assert.Throws<ArgumentException>(() => new IdentityRules(WithNamespace("partnerId", unique: true, priority: -1)));
        Assert.Equal("ProfileGrid:Identity:Namespaces:partnerId:Priority must be 0 or more.", error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-5)]
    public void Graph_limit_below_two_throws_naming_the_key(int max)
    {
        var error = Assert.Throws<ArgumentException>(() => new IdentityRules(new IdentityOptions { MaxIdentitiesPerGraph = max }));
        Assert.Equal("ProfileGrid:Identity:MaxIdentitiesPerGraph must be at least 2.", error.Message);
    }

    [Fact]
    public void Graph_limit_of_two_is_accepted()
    {
        Assert.Equal(2, new IdentityRules(new IdentityOptions { MaxIdentitiesPerGraph = 2 }).Options.MaxIdentitiesPerGraph);
    }

    // ---- identity keys ---------------------------------------------------------------------------

    [Theory]
    [InlineData("crmId:A", "crmId", "A")]
    [InlineData("ecid:a:b:c", "ecid", "a:b:c")]
    [InlineData("email:sarah@luma.example", "email", "sarah@luma.example")]
    public void Identity_key_round_trips_through_its_grain_key(string grainKey, string ns, string value)
    {
        var key = IdentityKey.Parse(grainKey);
        Assert.Equal(new IdentityKey(ns, value), key);
        Assert.Equal(grainKey, key.ToString());
    }

    [Theory]
    [InlineData("no-colon")]
    [InlineData(":value")]
    public void Identity_key_without_a_namespace_does_not_parse(string grainKey)
    {
        Assert.Throws<FormatException>(() => IdentityKey.Parse(grainKey));
    }
}
