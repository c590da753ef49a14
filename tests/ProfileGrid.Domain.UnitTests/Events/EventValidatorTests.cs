namespace ProfileGrid.Domain.UnitTests.Events;

public class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    private EventValidator Validator(IngestionOptions? options = null) =>
        new(options ?? new IngestionOptions(), IdentityRules.Default, _time);

    private static RawIdentity I(string ns, string? id) => new(ns, id);

    /// <summary>A valid event; each test breaks one thing.</summary>
    private static RawEvent Valid() => new()
    {
        Id = " evt-1 ",
        Type = " commerce.purchase ",
        Timestamp = "2026-03-01T11:00:00Z",
        Identities = [I("email", "  Sarah@Luma.Example "), I("ecid", "phone-1")],
        Channel = " web ",
        Campaign = "   ",
        Revenue = 49.5,
        AttributesJson = """{"sku":"yoga-shorts","size":"M"}""",
        SizeBytes = 300,
    };

    private string Rejected(RawEvent raw, IngestionOptions? options = null)
    {
        Assert.False(Validator(options).TryValidate(raw, out _, out var reason), "the event was accepted");
        Assert.NotEmpty(reason);
        return reason;
    }

    private CustomerEvent Accepted(RawEvent raw, IngestionOptions? options = null)
    {
        Assert.True(Validator(options).TryValidate(raw, out var accepted, out var reason), reason);
        Assert.Equal("", reason);
        return accepted;
    }

    // ---- the happy path ----------------------------------------------------------------------

    [Fact]
    public void Valid_event_becomes_a_customer_event_with_normalised_fields_received_at_fake_now()
    {
        var e = Accepted(Valid());

        Assert.Equal("evt-1", e.Id);
        Assert.Equal("commerce.purchase", e.Type);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 11, 0, 0, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("email:sarah@luma.example ecid:phone-1", Ids.Line(e.Identities));
        Assert.Equal("web", e.Channel);
        Assert.Null(e.Campaign);
        Assert.Equal(49.5, e.Revenue);
        Assert.Equal("""{"sku":"yoga-shorts","size":"M"}""", e.AttributesJson);
        Assert.Equal(Now, e.ReceivedAt);
    }

    [Fact]
    public void ReceivedAt_follows_the_time_provider()
    {
        var validator = Validator();
        _time.Advance(TimeSpan.FromMinutes(7));
        Assert.True(validator.TryValidate(Valid(), out var e, out _));
        Assert.Equal(Now.AddMinutes(7), e.ReceivedAt);
    }

    [Fact]
    public void Optional_fields_may_be_missing()
    {
        var e = Accepted(Valid() with { Channel = null, Campaign = null, Revenue = null, AttributesJson = null });
        Assert.Null(e.Channel);
        Assert.Null(e.Campaign);
        Assert.Null(e.Revenue);
        Assert.Null(e.AttributesJson);
    }

    [Fact]
    public void Campaign_is_trimmed()
    {
        Assert.Equal("spring-yoga", Accepted(Valid() with { Campaign = " spring-yoga " }).Campaign);
    }

    [Theory]
    [InlineData(-20.0)]
    [InlineData(0.0)]
    [InlineData(1e9)]
    public void Finite_revenue_including_refunds_is_accepted(double revenue)
    {
        Assert.Equal(revenue, Accepted(Valid() with { Revenue = revenue }).Revenue);
    }

    [Fact]
    public void Validation_never_throws_for_an_empty_event()
    {
        Assert.Equal("id: required", Rejected(new RawEvent()));
        Assert.Equal("id: required", Rejected(new RawEvent { Identities = default }));
    }

    // ---- id and type -------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing_id_is_rejected(string? id)
    {
        Assert.Equal("id: required", Rejected(Valid() with { Id = id }));
    }

    [Fact]
    public void Id_longer_than_the_limit_is_rejected()
    {
        Assert.Equal("id: longer than 256 characters", Rejected(Valid() with { Id = new string('e', 257) }));
        Assert.Equal(256, Accepted(Valid() with { Id = new string('e', 256) }).Id.Length);
        Assert.Equal("id: longer than 8 characters", Rejected(Valid() with { Id = "evt-12345" }, new IngestionOptions { MaxIdLength = 8 }));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    public void Missing_type_is_rejected(string? type)
    {
        Assert.Equal("type: required", Rejected(Valid() with { Type = type }));
    }

    [Theory]
    [InlineData("purchase")]
    [InlineData("commerce.")]
    [InlineData(".purchase")]
    [InlineData("commerce..purchase")]
    [InlineData("commerce purchase")]
    [InlineData("commerce.purchase now")]
    [InlineData("1commerce.purchase")]
    [InlineData("commerce.1purchase")]
    [InlineData("commerce/purchase")]
    public void Type_that_is_not_a_dotted_name_is_rejected(string type)
    {
        Assert.Equal($"type: '{type}' is not a dotted name such as commerce.purchase", Rejected(Valid() with { Type = type }));
    }

    [Theory]
    [InlineData("web.pageView")]
    [InlineData("commerce.add_to-cart")]
    [InlineData("a.b.c")]
    [InlineData("call.inbound2")]
    public void Dotted_types_are_accepted(string type)
    {
        Assert.Equal(type, Accepted(Valid() with { Type = type }).Type);
    }

    [Fact]
    public void Type_longer_than_the_limit_is_rejected()
    {
        var type = "a." + new string('b', 255);
        Assert.Equal("type: longer than 256 characters", Rejected(Valid() with { Type = type }));
    }

    // ---- timestamp ---------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Missing_timestamp_is_rejected(string? timestamp)
    {
        Assert.Equal("timestamp: required", Rejected(Valid() with { Timestamp = timestamp }));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("2026-02-30T00:00:00Z")]
    [InlineData("2026-03-01T25:00:00Z")]
    [InlineData("1740000000")]
    [InlineData("03/04/2026 10:00")]
    [InlineData("Tue, 03 Mar 2026 10:00:00 GMT")]
    [InlineData("March 1 2026")]
    [InlineData("2026-3-1")]
    [InlineData("2026-03-01T11:00:00 +01:00 extra")]
    public void Unparseable_timestamp_is_rejected(string timestamp)
    {
        Assert.Equal($"timestamp: '{timestamp}' is not an ISO-8601 date-time", Rejected(Valid() with { Timestamp = timestamp }));
    }

    [Theory]
    [InlineData("2026-03-01T13:00:00+02:00")]
    [InlineData("2026-03-01T06:00:00-05:00")]
    [InlineData("2026-03-01T11:00:00Z")]
    [InlineData("2026-03-01T11:00:00.000Z")]
    [InlineData("2026-03-01T11:00:00")]
    [InlineData("2026-03-01 11:00:00Z")]
    [InlineData("2026-03-01t11:00:00z")]
    [InlineData("2026-03-01T12:00:00+0100")]
    [InlineData("2026-03-01T12:00+01")]
    [InlineData("  2026-03-01T11:00:00Z  ")]
    public void Timestamp_is_read_as_UTC(string timestamp)
    {
        var e = Accepted(Valid() with { Timestamp = timestamp });
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 11, 0, 0, TimeSpan.Zero), e.Timestamp);
        Assert.Equal(TimeSpan.Zero, e.Timestamp.Offset);
    }

    [Fact]
    public void Date_only_timestamp_is_midnight_UTC()
    {
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 0, 0, 0, TimeSpan.Zero), Accepted(Valid() with { Timestamp = "2026-02-28" }).Timestamp);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(3600)]
    public void Timestamp_beyond_the_future_skew_is_rejected(int secondsAhead)
    {
        var at = Now.AddSeconds(secondsAhead);
        var reason = Rejected(Valid() with { Timestamp = at.ToString("O", CultureInfo.InvariantCulture) });
        Assert.StartsWith("timestamp: ", reason, StringComparison.Ordinal);
        Assert.Contains("is more than 00:05:00 in the future (ProfileGrid:Ingestion:MaxFutureSkew)", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(299)]
    [InlineData(0)]
    [InlineData(-86400)]
    public void Timestamp_within_the_future_skew_is_accepted(int secondsAhead)
    {
        var at = Now.AddSeconds(secondsAhead);
        Assert.Equal(at, Accepted(Valid() with { Timestamp = at.ToString("O", CultureInfo.InvariantCulture) }).Timestamp);
    }

    [Fact]
    public void Future_skew_is_configurable_and_measured_from_the_time_provider()
    {
        var options = new IngestionOptions { MaxFutureSkew = TimeSpan.FromMinutes(1) };
        var inTwoMinutes = Valid() with { Timestamp = Now.AddMinutes(2).ToString("O", CultureInfo.InvariantCulture) };
        Assert.Contains("more than 00:01:00 in the future", Rejected(inTwoMinutes, options), StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromMinutes(1));
        Accepted(inTwoMinutes, options);
    }

    // ---- identities ----------------------------------------------------------------------------

    [Fact]
    public void Event_without_identities_is_rejected()
    {
        Assert.Equal("identities: at least one identity is required", Rejected(Valid() with { Identities = [] }));
        Assert.Equal("identities: at least one identity is required", Rejected(Valid() with { Identities = default }));
    }

    [Fact]
    public void More_than_twenty_identities_are_rejected()
    {
        var many = Enumerable.Range(0, 21).Select(n => I("ecid", $"d{n}")).ToImmutableArray();
        Assert.Equal(
            "identities: 21 identities, over the limit of 20 (ProfileGrid:Ingestion:MaxIdentitiesPerEvent)",
            Rejected(Valid() with { Identities = many }));
        Assert.Equal(20, Accepted(Valid() with { Identities = many[..20] }).Identities.Length);
    }

    [Fact]
    public void Identity_limit_per_event_is_configurable()
    {
        var options = new IngestionOptions { MaxIdentitiesPerEvent = 3 };
        var four = Enumerable.Range(0, 4).Select(n => I("ecid", $"d{n}")).ToImmutableArray();
        Assert.Equal(
            "identities: 4 identities, over the limit of 3 (ProfileGrid:Ingestion:MaxIdentitiesPerEvent)",
            Rejected(Valid() with { Identities = four }, options));
        Assert.Equal(3, Accepted(Valid() with { Identities = four[..3] }, options).Identities.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Unknown_namespace_is_rejected_with_the_index_of_the_identity(int index)
    {
        var identities = new[] { I("crmId", "A"), I("ecid", "D"), I("ecid", "E") };
        identities[index] = I("fax", "555");
        var reason = Rejected(Valid() with { Identities = [.. identities] });
        Assert.StartsWith($"identities[{index}]: namespace 'fax' is not configured (known: ", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("email", "null", "identities[1]: email: 'null' is a blocked value, not an identity")]
    [InlineData("ecid", "undefined", "identities[1]: ecid: 'undefined' is a blocked value, not an identity")]
    [InlineData("crmId", "0000", "identities[1]: crmId: '0000' is all zeros, not an identity")]
    [InlineData("crmId", " ", "identities[1]: crmId: id is empty")]
    [InlineData("crmId", null, "identities[1]: crmId: id is required")]
    [InlineData("email", "not-an-email", "identities[1]: email: 'not-an-email' is not an email address (expected local@domain)")]
    [InlineData("phone", "12", "identities[1]: phone: '12' is not a possible phone number (expected E.164 such as +14155550142, or a number in region US)")]
    public void Invalid_identity_value_is_rejected_with_its_index_and_rule(string ns, string? value, string expected)
    {
        Assert.Equal(expected, Rejected(Valid() with { Identities = [I("ecid", "D"), I(ns, value)] }));
    }

    [Fact]
    public void Null_identity_is_rejected_with_its_index()
    {
        Assert.Equal("identities[1]: null", Rejected(Valid() with { Identities = [I("ecid", "D"), null!] }));
    }

    [Fact]
    public void Missing_identity_namespace_is_rejected_with_its_index()
    {
        Assert.Equal("identities[0]: namespace is required", Rejected(Valid() with { Identities = [new RawIdentity(null, "x")] }));
    }

    [Theory]
    [InlineData("email", "a@luma.example", "b@luma.example")]
    [InlineData("crmId", "A", "B")]
    [InlineData("phone", "+14155550142", "+14155550143")]
    public void Two_values_of_a_unique_namespace_in_one_event_are_rejected(string ns, string first, string second)
    {
        Assert.Equal(
            $"identities: 2 different {ns} values ({first}, {second}) in one event; {ns} is unique",
            Rejected(Valid() with { Identities = [I(ns, first), I("ecid", "D"), I(ns, second)] }));
    }

    [Fact]
    public void Two_values_of_a_non_unique_namespace_in_one_event_are_kept()
    {
        var e = Accepted(Valid() with { Identities = [I("ecid", "laptop"), I("ecid", "phone")] });
        Assert.Equal("ecid:laptop ecid:phone", Ids.Line(e.Identities));
    }

    [Fact]
    public void Duplicate_identities_collapse_to_one_after_normalisation()
    {
        var e = Accepted(Valid() with
        {
            Identities =
            [
                I("email", "Sarah@Luma.example"), I("ecid", "D"), I("email", " sarah@luma.example "),
                I("ecid", "D"), I("phone", "(415) 555-0142"), I("phone", "+1 415 555 0142"),
            ],
        });
        Assert.Equal("email:sarah@luma.example ecid:D phone:+14155550142", Ids.Line(e.Identities));
    }

    // ---- attributes, size, revenue ---------------------------------------------------------------

    [Theory]
    [InlineData("[1,2]", "array")]
    [InlineData("\"yoga\"", "string")]
    [InlineData("42", "number")]
    [InlineData("true", "true")]
    public void Attributes_that_are_not_an_object_are_rejected(string json, string kind)
    {
        Assert.Equal($"attributes: must be a JSON object, not {kind}", Rejected(Valid() with { AttributesJson = json }));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("{'sku':'x'}")]
    [InlineData("{\"sku\":1,}")]
    [InlineData("{\"sku\":1} trailing")]
    public void Attributes_that_are_not_valid_JSON_are_rejected(string json)
    {
        Assert.StartsWith("attributes: not valid JSON (", Rejected(Valid() with { AttributesJson = json }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"nested\":{\"a\":[1,2,{\"b\":null}]}}")]
    public void Attributes_that_are_an_object_are_kept_as_sent(string json)
    {
        Assert.Equal(json, Accepted(Valid() with { AttributesJson = json }).AttributesJson);
    }

    [Fact]
    public void Event_over_the_size_limit_is_rejected()
    {
        Assert.Equal(
            "event: 10241 bytes, over the limit of 10240 bytes (ProfileGrid:Ingestion:MaxEventBytes)",
            Rejected(Valid() with { SizeBytes = 10 * 1024 + 1 }));
        Accepted(Valid() with { SizeBytes = 10 * 1024 });
    }

    [Fact]
    public void Size_limit_is_configurable()
    {
        var options = new IngestionOptions { MaxEventBytes = 100 };
        Assert.Equal(
            "event: 300 bytes, over the limit of 100 bytes (ProfileGrid:Ingestion:MaxEventBytes)",
            Rejected(Valid(), options));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_revenue_is_rejected(double revenue)
    {
        Assert.Equal("revenue: not a finite number", Rejected(Valid() with { Revenue = revenue }));
    }
}
