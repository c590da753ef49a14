using Orleans.Serialization;
using ProfileGrid.Domain.UnitTests.Support;

namespace ProfileGrid.Domain.UnitTests.Profiles;

/// <summary>
/// Profile states in PostgreSQL hold the stats of events that fell off the timeline in Orleans' binary form. Until
/// 2026-12-06 the per-day channel counts were a dictionary of dictionaries (field 7); these bytes are four events'
/// stats as the grid wrote them then, and they must read back with the same counts in the list that replaced it.
/// </summary>
public sealed class ProfileStatsWireTests
{
    private const string StoredWithDictionaries =
        "200011213001312CD42E1D537472696E67436F6D706172657200030101E0010741197765622E706167655669657700094023636F6D6D" +
        "657263652E707572636861736500054015656D61696C2E6F70656E0005E02180009CF4700779DE08810000000000000000E02180001C" +
        "C8C5997ADE08810000000000000000E081000000000000444001052180005C5E9BD079DE08810000000000000000E0210107615D490B" +
        "0020380300030101E0010341077765620005E0605E490B0020380300030101E00105410D6D6F62696C650005400B656D61696C0005E0" +
        "605F490B0020380300030101E00103C1530005E0E0E0";

    private static readonly DateTimeOffset At = new(2026, 3, 3, 9, 30, 0, TimeSpan.Zero);

    private static Serializer Serializer => Wire.Serializer;

    private static IEnumerable<CustomerEvent> Events() =>
    [
        new() { Id = "e-1", Type = "web.pageView", Timestamp = At, Identities = [], Channel = "web" },
        new() { Id = "e-2", Type = "commerce.purchase", Timestamp = At.AddDays(1), Identities = [], Channel = "mobile", Revenue = 40 },
        new() { Id = "e-3", Type = "email.open", Timestamp = At.AddDays(1).AddHours(1), Identities = [], Channel = "email" },
        new() { Id = "e-4", Type = "web.pageView", Timestamp = At.AddDays(2), Identities = [], Channel = "mobile" },
    ];

    private static readonly ChannelDay[] Expected =
    [
        new(new DateOnly(2026, 3, 3), "web", 1),
        new(new DateOnly(2026, 3, 4), "email", 1),
        new(new DateOnly(2026, 3, 4), "mobile", 1),
        new(new DateOnly(2026, 3, 5), "mobile", 1),
    ];

    [Fact]
    public void Stats_stored_with_per_day_dictionaries_read_back_with_the_same_counts()
    {
        var stored = Serializer.Deserialize<ProfileStats>(Convert.FromHexString(StoredWithDictionaries))!;

        Assert.Equal(4, stored.EventCount);
        Assert.Equal(40, stored.LifetimeRevenue);
        Assert.Equal(1, stored.PurchaseCount);
        Assert.Equal(Expected, stored.ChannelCounts);
        Assert.Equal("mobile", stored.MostEngagedChannel(At.AddDays(3)));
        Assert.Null(stored.LegacyChannelDays);
    }

    [Fact]
    public void Stats_written_now_read_back_equal_without_the_dictionaries()
    {
        var written = Serializer.SerializeToArray(ProfileStats.From(Events()));
        var read = Serializer.Deserialize<ProfileStats>(written)!;

        Assert.Equal(Expected, read.ChannelCounts);
        Assert.Null(read.LegacyChannelDays);
        Assert.Equal("mobile", read.MostEngagedChannel(At.AddDays(3)));
        Assert.True(written.Length < Convert.FromHexString(StoredWithDictionaries).Length);
    }
}
