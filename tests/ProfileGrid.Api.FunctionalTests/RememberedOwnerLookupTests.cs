using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using ProfileGrid.Identity;

namespace ProfileGrid.Api.FunctionalTests;

/// <summary>
/// A lookup by identity on a host that remembers the identity's owner (ingestion and earlier lookups fill the
/// memory) reads the profile in one grain call; the view must still list the identity, so an identity that
/// moved since is still found where it is now.
/// </summary>
public sealed class RememberedOwnerLookupTests(SiloApiFactoryWithFilter<RememberedOwnerLookupTests.OwnerQuestions> api) : IClassFixture<SiloApiFactoryWithFilter<RememberedOwnerLookupTests.OwnerQuestions>>
{
    private static readonly string Now = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
    private const string ByDevice = "query($id: String!) { profile(namespace: \"ecid\", id: $id) { id identities { id } } }";

    private static string Event(string id, params (string Namespace, string Id)[] identities) =>
        $$"""{"id":"{{id}}","type":"web.pageView","timestamp":"{{Now}}","identities":[{{string.Join(",", identities.Select(i => $$"""{"namespace":"{{i.Namespace}}","id":"{{i.Id}}"}"""))}}]}""";

    [Fact]
    public async Task A_known_person_is_read_without_asking_the_identity_grain()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        await api.PostEvents($"[{Event($"{run}-1", ("email", $"r.{run}@example.com"), ("ecid", $"dev-{run}"))}]");
        api.Filter.Clear();

        for (var i = 0; i < 3; i++)
        {
            var data = await api.GraphQL(ByDevice, new { id = $"dev-{run}" });
            Assert.Equal(2, data["profile"]!["identities"]!.AsArray().Count);
        }

        Assert.Equal(0, api.Filter.Of(run));
    }

    [Fact]
    public async Task An_identity_unlinked_since_is_found_in_its_new_profile()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        await api.PostEvents($"[{Event($"{run}-1", ("email", $"u.{run}@example.com"), ("ecid", $"kiosk-{run}"))}]");
        var before = (await api.GraphQL(ByDevice, new { id = $"kiosk-{run}" }))["profile"]!["id"]!.GetValue<string>();

        var unlinked = (await api.GraphQL("mutation($id: String!) { unlinkIdentity(namespace: \"ecid\", id: $id) { id } }", new { id = $"kiosk-{run}" }))["unlinkIdentity"]!["id"]!.GetValue<string>();
        Assert.NotEqual(before, unlinked);
        api.Filter.Clear();

        var after = (await api.GraphQL(ByDevice, new { id = $"kiosk-{run}" }))["profile"]!;
        Assert.Equal(unlinked, after["id"]!.GetValue<string>());
        Assert.Single(after["identities"]!.AsArray());
        // The profile it was remembered in no longer lists it: the identity grain was asked once, and is not again.
        Assert.Equal(1, api.Filter.Of(run));
        await api.GraphQL(ByDevice, new { id = $"kiosk-{run}" });
        Assert.Equal(1, api.Filter.Of(run));
    }

    [Fact]
    public async Task A_remembered_owner_that_merged_away_leads_to_the_survivor()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        await api.PostEvents($"[{Event($"{run}-1", ("ecid", $"a-{run}"))}]");
        await api.PostEvents($"[{Event($"{run}-2", ("ecid", $"b-{run}"))}]");
        var first = (await api.GraphQL(ByDevice, new { id = $"a-{run}" }))["profile"]!["id"]!.GetValue<string>();
        var second = (await api.GraphQL(ByDevice, new { id = $"b-{run}" }))["profile"]!["id"]!.GetValue<string>();
        var owners = api.Services.GetRequiredService<OwnerCache>();
        // The merging event's ingestion remembers the survivor; the lookup below starts from the merged-away profile
        // instead, as on a host that looked the device up before another host's ingestion merged the two.
        await api.PostEvents($"[{Event($"{run}-3", ("ecid", $"a-{run}"), ("ecid", $"b-{run}"))}]");
        var survivor = string.CompareOrdinal(first, second) < 0 ? first : second;
        var mergedAway = survivor == first ? second : first;
        var mergedAwayDevice = mergedAway == first ? $"a-{run}" : $"b-{run}";
        owners.Remember([new IdentityKey("ecid", mergedAwayDevice)], mergedAway);
        api.Filter.Clear();

        var found = (await api.GraphQL(ByDevice, new { id = mergedAwayDevice }))["profile"]!;

        Assert.Equal(survivor, found["id"]!.GetValue<string>());
        Assert.Equal(2, found["identities"]!.AsArray().Count);
        Assert.Equal(0, api.Filter.Of(run));
        Assert.True(owners.TryGet(new IdentityKey("ecid", mergedAwayDevice), out var remembered));
        Assert.Equal(survivor, remembered);
    }

    /// <summary>Counts <see cref="IIdentityGrain.GetOwner"/> calls by grain key.</summary>
    public sealed class OwnerQuestions : IIncomingGrainCallFilter
    {
        private readonly ConcurrentDictionary<string, int> _byKey = new();

        public int Of(string run) => _byKey.Where(kv => kv.Key.Contains(run, StringComparison.Ordinal)).Sum(kv => kv.Value);

        public void Clear() => _byKey.Clear();

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == nameof(IIdentityGrain.GetOwner))
                _byKey.AddOrUpdate(context.TargetId.Key.ToString()!, 1, (_, n) => n + 1);
            return context.Invoke();
        }
    }
}
