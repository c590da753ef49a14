using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using ProfileGrid.Profiles;

namespace ProfileGrid.Cluster.Tests.Profiles;

/// <summary>
/// A profile's sets of absorbed profiles, received handovers and unconfirmed merges, and the stats of events that
/// fell off its timeline, are empty for almost every person; until 2026-12-07 every state carried them anyway
/// (about 0.45 KB in memory per profile). These bytes are two states as the grid stored them then, in PostgreSQL
/// or the embedded storage: they must read back whole, and a state with nothing in them must no longer carry them.
/// </summary>
public sealed class ProfileStateWireTests
{
    /// <summary>One identity and one event; the three sets empty, the dropped-events stats zero.</summary>
    private const string StoredFresh =
        "20C0012120010321E8400B656D61696C41237361726168406578616D706C652E636F6DE02080009CF4700779DE088100000000000000" +
        "00E0E021E0E021000321E84007652D3241197765622E70616765566965772180005C5E9BD079DE08810000000000000000E021200003" +
        "21E8C00FC111E0E0E04107776562C101C101C10121800000000000000000810000000000000000E0E0E021203001312CD42E1D537472" +
        "696E67436F6D706172657200030101E0E0E021000121380300030101E0E0C101C1018100000000000000000101C101C10121E0E00101" +
        "0101C10121380300030101E0E021E021380300030101E0E021380300030101E0E0271320380300030101E0E001010101010101010101" +
        "0101C101E0E0";

    /// <summary>The same after absorbing p-2 (unconfirmed p-3 inherited), receiving handover h-1 and dropping one purchase.</summary>
    private const string StoredMerged =
        "20C0012120010321E8400B656D61696C41237361726168406578616D706C652E636F6DE02080009CF4700779DE088100000000000000" +
        "00E0E021E0E021000321E84007652D3241197765622E70616765566965772180005C5E9BD079DE08810000000000000000E021200003" +
        "21E8C00FC111E0E0E04107776562C101C101C10121800000000000000000810000000000000000E0E0E021203001312CD42E1D537472" +
        "696E67436F6D706172657200030101E0E0E021000521380300030101E001034123636F6D6D657263652E70757263686173650005E021" +
        "80009CF4700779DE08810000000000000000E02180009CF4700779DE08810000000000000000E081000000000000444001052180009C" +
        "F4700779DE08810000000000000000E0C10121000321E8605D490B00410D6D6F62696C650105E0E0E001050101C10121380300030101" +
        "E001034107702D32E021E021380300030101E001034107682D31E021380300030101E001034107702D33E0271320380300030101E0E0" +
        "010101010101010101010101C101E0E0";

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(ProfileState).Assembly).AddAssembly(typeof(CustomerEvent).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static readonly DateTimeOffset At = new(2026, 3, 3, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_state_stored_with_its_sets_and_dropped_stats_reads_back_with_them()
    {
        var state = Serializer.Deserialize<ProfileState>(Convert.FromHexString(StoredMerged))!;

        Assert.Equal(["p-2"], state.Absorbed);
        Assert.Equal(["h-1"], state.Received);
        Assert.Equal(["p-3"], state.Confirming);
        Assert.NotNull(state.DroppedStats);
        Assert.Equal(1, state.DroppedStats.PurchaseCount);
        Assert.Equal(40, state.DroppedStats.LifetimeRevenue);
        Assert.Equal(1, state.EventsDropped);
        Assert.Equal("e-2", Assert.Single(state.Events).Id);
        Assert.True(state.Exists);
    }

    [Fact]
    public void A_state_stored_with_empty_sets_reads_back_empty_and_is_written_without_them()
    {
        var stored = Convert.FromHexString(StoredFresh);
        var state = Serializer.Deserialize<ProfileState>(stored)!;
        Assert.Empty(state.Absorbed);
        Assert.Empty(state.Received);
        Assert.Empty(state.Confirming);
        Assert.Equal("e-2", Assert.Single(state.Events).Id);

        var fresh = Fresh();
        var written = Serializer.SerializeToArray(fresh);
        var read = Serializer.Deserialize<ProfileState>(written)!;
        Assert.Null(read.DroppedStats);
        Assert.Empty(read.Absorbed);
        Assert.Equal("e-2", Assert.Single(read.Events).Id);
        // The empty sets and stats are neither written nor made per profile.
        Assert.True(written.Length < stored.Length, $"{written.Length} bytes written, {stored.Length} before");
        Assert.Same(fresh.Absorbed, Fresh().Confirming);
    }

    [Fact]
    public void Sets_and_dropped_stats_filled_now_read_back_whole()
    {
        var state = Fresh();
        state.AddAbsorbed("p-2");
        state.AddReceived("h-1");
        state.AddConfirming("p-3");
        state.AddConfirming("p-4");
        state.RemoveConfirming("p-4");
        state.DroppedStatsToUpdate().Add(new CustomerEvent { Id = "e-1", Type = "commerce.purchase", Timestamp = At, Identities = [], Revenue = 40 });

        var read = Serializer.Deserialize<ProfileState>(Serializer.SerializeToArray(state))!;

        Assert.Equal(["p-2"], read.Absorbed);
        Assert.Equal(["h-1"], read.Received);
        Assert.Equal(["p-3"], read.Confirming);
        Assert.Equal(40, read.DroppedStats!.LifetimeRevenue);
    }

    private static ProfileState Fresh()
    {
        var state = new ProfileState();
        state.Graph.Add(new IdentityKey("email", "sarah@example.com"), At);
        state.Events.Add(new CustomerEvent
        {
            Id = "e-2", Type = "web.pageView", Timestamp = At.AddDays(1), Identities = [new IdentityKey("email", "sarah@example.com")], Channel = "web",
        });
        return state;
    }
}
