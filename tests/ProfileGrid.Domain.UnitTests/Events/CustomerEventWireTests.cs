using Orleans.Serialization;
using ProfileGrid.Domain.UnitTests.Support;

namespace ProfileGrid.Domain.UnitTests.Events;

/// <summary>
/// Profile states in PostgreSQL hold events in Orleans' binary form, so that form must not change
/// under a stored state: these bytes are an event as this grid wrote it on 2026-11-23 (Orleans 10.4).
/// A change that alters the written bytes (a new field, say) must still read these back whole; only
/// then may the first test's constant be renewed, keeping the old one for the second.
/// </summary>
public sealed class CustomerEventWireTests
{
    private const string StoredBefore =
        "20E84007652D314123636F6D6D657263652E70757263686173652180009CF4700779DE08810000000000000000E02120" +
        "000721E8400B656D61696C41237361726168406578616D706C652E636F6DE020E8400B63726D49644109432D3137E020" +
        "E8C017C119E0E0E04107776562C101813333333333F34D40411D7B22736B75223A2259532D31227D218080328D710779" +
        "DE08810000000000000000E0E0";

    private static Serializer Serializer => Wire.Serializer;

    private static CustomerEvent Sample() => new()
    {
        Id = "e-1",
        Type = "commerce.purchase",
        Timestamp = new DateTimeOffset(2026, 3, 3, 9, 30, 0, TimeSpan.Zero),
        Identities = [new IdentityKey("email", "sarah@example.com"), new IdentityKey("crmId", "C-17"), new IdentityKey("email", "sarah@example.com")],
        Channel = "web",
        Revenue = 59.9,
        AttributesJson = """{"sku":"YS-1"}""",
        ReceivedAt = new DateTimeOffset(2026, 3, 3, 9, 30, 1, TimeSpan.Zero),
    };

    [Fact]
    public void An_event_is_written_byte_for_byte_as_before()
    {
        Assert.Equal(StoredBefore, Convert.ToHexString(Serializer.SerializeToArray(Sample())));
    }

    [Fact]
    public void Events_stored_before_read_back_whole()
    {
        var read = Serializer.Deserialize<CustomerEvent>(Convert.FromHexString(StoredBefore))!;

        var sample = Sample();
        Assert.Equal(sample.Identities.AsEnumerable(), read.Identities.AsEnumerable());
        Assert.Equal(sample with { Identities = read.Identities }, read);
    }

    [Fact]
    public void An_event_without_identities_round_trips_as_it_was()
    {
        var none = Sample() with { Identities = default };
        var empty = Sample() with { Identities = [] };

        Assert.True(Serializer.Deserialize<CustomerEvent>(Serializer.SerializeToArray(none))!.Identities.IsDefault);
        Assert.Empty(Serializer.Deserialize<CustomerEvent>(Serializer.SerializeToArray(empty))!.Identities);
    }
}
