using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using ProfileGrid.Identity;

namespace ProfileGrid.Api.FunctionalTests;

/// <summary>
/// A lookup whose grain calls fail because their silo died under them (as Orleans reports it) is answered, not
/// failed: the API reads the profile, its identity's owner and its segments again. A silo filter refuses the calls
/// a test names, as Orleans would while a dead silo's grains are placed elsewhere.
/// </summary>
public sealed class ReadsSentAgainTests(SiloApiFactoryWithFilter<ReadsSentAgainTests.Refusing> api) : IClassFixture<SiloApiFactoryWithFilter<ReadsSentAgainTests.Refusing>>
{
    private const string Lookup = "query($id: String!) { profile(namespace: \"email\", id: $id) { id segments { status } } }";

    [Theory]
    [InlineData("GetOwner")]
    [InlineData("GetView")]
    [InlineData("GetSegments")]
    public async Task A_lookup_is_answered_when_its_calls_are_refused_as_by_a_dead_silo(string method)
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var email = $"again.{run}@example.com";
        var at = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
        var (status, body) = await api.PostEvents($$"""[{"id":"{{run}}-1","type":"web.pageView","timestamp":"{{at}}","identities":[{"namespace":"email","id":"{{email}}"}]}]""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body!["accepted"]!.GetValue<int>());
        var profileId = (await api.GraphQL(Lookup, new { id = email }))["profile"]!["id"]!.GetValue<string>();
        // The identity grain is keyed by the normalised identity, the others by the profile id.
        var key = method == "GetOwner" ? $"email:{email}" : profileId;
        api.Filter.Refuse(key, method, times: 2);

        // This host remembers the owner from ingestion and the first lookup: it forgets it, so the identity grain is asked.
        if (method == "GetOwner") api.Services.GetRequiredService<OwnerCache>().Forget([new IdentityKey("email", email)]);

        var data = await api.GraphQL(Lookup, new { id = email });

        Assert.Equal(profileId, data["profile"]!["id"]!.GetValue<string>());
        Assert.Equal(2, api.Filter.Refused(key, method));
    }

    /// <summary>Fails the next calls of a method on a grain (by key) with <see cref="SiloUnavailableException"/>.</summary>
    public sealed class Refusing : IIncomingGrainCallFilter
    {
        private readonly ConcurrentDictionary<(string Key, string Method), (int Left, int Done)> _plans = new();

        public void Refuse(string key, string method, int times) => _plans[(key, method)] = (times, 0);

        public int Refused(string key, string method) => _plans.TryGetValue((key, method), out var plan) ? plan.Done : 0;

        public Task Invoke(IIncomingGrainCallContext context)
        {
            var call = (context.TargetId.Key.ToString()!, context.InterfaceMethod?.Name ?? "");
            if (_plans.TryGetValue(call, out var plan) && plan.Left > 0)
            {
                _plans[call] = (plan.Left - 1, plan.Done + 1);
                throw new SiloUnavailableException("the silo was declared dead");
            }
            return context.Invoke();
        }
    }
}
