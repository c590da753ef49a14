using Microsoft.Extensions.DependencyInjection;
using Orleans.Core;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using ProfileGrid.Storage;

namespace ProfileGrid.Cluster.Tests.Storage;

/// <summary>
/// The embedded storage keeps an active grain's state by reference and a deactivated grain's state serialized:
/// compaction keeps the value and the ETag, a write makes the entry live again, and a grid's grains are
/// compacted when they deactivate and read back as they were.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class InProcessGrainStorageTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly IServiceProvider _silo = fixture.Cluster.GetActiveSilos().OfType<InProcessSiloHandle>().First().SiloHost.Services;
    private InProcessGrainStorage Storage() => new(Guid.NewGuid().ToString("N"), _silo.GetRequiredService<Serializer>());

    /// <summary>Writes a profile state of <paramref name="events"/> events for the profile grain <paramref name="id"/>.</summary>
    private static async Task<GrainState<ProfileState>> Write(InProcessGrainStorage storage, string id, int events)
    {
        var written = new GrainState<ProfileState> { State = Profile(id, events) };
        await storage.WriteStateAsync("profile", GrainId.Create("profile", id), written);
        return written;
    }

    [Fact]
    public async Task A_compacted_state_reads_back_as_an_equal_copy_with_the_same_etag()
    {
        var storage = Storage();
        var grain = GrainId.Create("profile", "compact-1");
        var written = await Write(storage, "compact-1", events: 3);

        storage.Compact(grain);

        Assert.True(storage.IsCompacted("profile", grain));
        var read = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.NotSame(written.State, read.State);
        Assert.Equal(written.State!.Events.Select(Fields), read.State!.Events.Select(Fields));
        Assert.Equal(written.State.Graph.Identities.Order(), read.State.Graph.Identities.Order());
        Assert.Equal(written.State.Traits.ToJsonText(), read.State.Traits.ToJsonText());
        Assert.Contains("plus", read.State.Traits.ToJsonText());
        // Two reads of a compacted entry are two copies: neither activation sees the other's changes.
        var again = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", grain, again);
        Assert.NotSame(read.State, again.State);
    }

    [Fact]
    public async Task A_write_after_compaction_checks_the_etag_and_makes_the_entry_live_again()
    {
        var storage = Storage();
        var grain = GrainId.Create("profile", "compact-2");
        var first = await Write(storage, "compact-2", events: 1);
        var staleETag = first.ETag;
        await storage.WriteStateAsync("profile", grain, first);
        storage.Compact(grain);

        var stale = new GrainState<ProfileState> { State = Profile("compact-2", events: 2), ETag = staleETag };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("profile", grain, stale));
        Assert.True(storage.IsCompacted("profile", grain));

        var read = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", grain, read);
        read.State!.Events.Add(Event("compact-2", 9));
        await storage.WriteStateAsync("profile", grain, read);

        Assert.False(storage.IsCompacted("profile", grain));
        var live = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", grain, live);
        Assert.Same(read.State, live.State);
        Assert.Equal(2, live.State!.Events.Count);
    }

    [Fact]
    public async Task Compaction_leaves_other_grains_and_absent_states_alone()
    {
        var storage = Storage();
        var compacted = GrainId.Create("profile", "compact-3");
        var other = GrainId.Create("profile", "compact-4");
        await Write(storage, "compact-3", events: 1);
        await Write(storage, "compact-4", events: 1);

        storage.Compact(compacted);
        storage.Compact(GrainId.Create("profile", "never-written"));

        Assert.True(storage.IsCompacted("profile", compacted));
        Assert.False(storage.IsCompacted("profile", other));
        Assert.False(storage.IsCompacted("profile", GrainId.Create("profile", "never-written")));
        var absent = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", GrainId.Create("profile", "never-written"), absent);
        Assert.False(absent.RecordExists);
    }

    [Fact]
    public async Task A_state_that_cannot_be_serialized_stays_live_and_readable()
    {
        var storage = Storage();
        var grain = GrainId.Create("other", "compact-5");
        var state = new NoCodec { Value = "kept" };
        await storage.WriteStateAsync("other", grain, new GrainState<NoCodec> { State = state });

        storage.Compact(grain);

        Assert.False(storage.IsCompacted("other", grain));
        var read = new GrainState<NoCodec>();
        await storage.ReadStateAsync("other", grain, read);
        Assert.Same(state, read.State);
    }

    /// <summary>A type Orleans has no codec for.</summary>
    private sealed class NoCodec
    {
        public string Value { get; set; } = "";
    }

    [Fact]
    public async Task A_grid_compacts_a_person_when_their_grains_deactivate_and_reads_them_back_unchanged()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var email = ("email", $"compact-{run}@example.com");
        await _grains.IngestAccepted(
            Grid.Event("web.pageView", email, ("ecid", $"device-{run}")),
            Grid.Event("commerce.purchase", ("ecid", $"device-{run}")));
        var before = await _grains.Lookup(email.Item1, email.Item2);
        Assert.NotNull(before);
        var profile = _grains.GetGrain<IProfileGrain>(before.Id).GetGrainId();
        var identity = _grains.GetGrain<IIdentityGrain>(new IdentityKey("email", email.Item2).ToString()).GetGrainId();
        var storage = (InProcessGrainStorage)_silo.GetRequiredKeyedService<IGrainStorage>(ProfileGridStorage.Name);
        Assert.False(storage.IsCompacted("profile", profile));

        // A grain still finishing the lookup's call is not collected yet: collect again until both are compacted.
        await Until(async () =>
        {
            await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
            return storage.IsCompacted("profile", profile) && storage.IsCompacted("identity", identity);
        });

        var after = await _grains.Lookup(email.Item1, email.Item2);
        Assert.NotNull(after);
        Assert.Equal(before.Id, after.Id);
        Assert.Equal(before.Ids(), after.Ids());
        Assert.Equal(before.Events.Select(Fields), after.Events.Select(Fields));
        Assert.Equal(JsonSerializer.Serialize(before.Stats), JsonSerializer.Serialize(after.Stats));
        Assert.Equal(before.TraitsJson, after.TraitsJson);

        await _grains.IngestAccepted(Grid.Event("web.pageView", email));
        Assert.False(storage.IsCompacted("profile", profile));
        Assert.Equal(3, (await _grains.Lookup(email.Item1, email.Item2))!.Events.Length);
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the grains were not deactivated and compacted within 10 s");
            await Task.Delay(100);
        }
    }

    /// <summary>An event's values (its record equality compares identity arrays by reference).</summary>
    private static string Fields(CustomerEvent e) =>
        $"{e.Id}|{e.Type}|{e.Timestamp:O}|{string.Join(",", e.Identities)}|{e.Channel}|{e.Campaign}|{e.Revenue}|{e.AttributesJson}|{e.ReceivedAt:O}";

    private static ProfileState Profile(string id, int events)
    {
        var state = new ProfileState();
        var email = new IdentityKey("email", $"{id}@example.com");
        var at = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        state.Graph.Add(email, at);
        state.Traits.Upsert(new System.Text.Json.Nodes.JsonObject { ["loyaltyTier"] = "plus" }, at, email);
        for (var i = 0; i < events; i++) state.Events.Add(Event(id, i));
        return state;
    }

    private static CustomerEvent Event(string profile, int i) => new()
    {
        Id = $"{profile}-{i}",
        Type = "commerce.purchase",
        Timestamp = new DateTimeOffset(2026, 11, 1, 10, i, 0, TimeSpan.Zero),
        Identities = [new IdentityKey("email", $"{profile}@example.com")],
        Channel = "web",
        Revenue = 40,
        AttributesJson = """{"category":"yoga"}""",
    };
}
