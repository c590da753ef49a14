using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using ProfileGrid.Identity;
using ProfileGrid.Profiles;
using ProfileGrid.Segments;

namespace ProfileGrid.Api.FunctionalTests;

/// <summary>
/// A GraphQL request is bounded in time (ProfileGrid:GraphQL:ExecutionTimeout) also while it waits for a grain
/// that does not answer, as after a silo dies: it gets a TIMEOUT error at the limit, not Orleans' 30 s response
/// timeout later. The grain calls are held by a call filter in the silo.
/// </summary>
public sealed class GraphQLTimeLimitTests(StallingSiloApiFactory api) : IClassFixture<StallingSiloApiFactory>
{
    private static readonly string Now = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");

    public static TheoryData<string, string, string> HeldCalls => new()
    {
        { nameof(IIdentityGrain), nameof(IIdentityGrain.GetOwner), "query($id: String!) { profile(namespace: \"crmId\", id: $id) { id } }" },
        { nameof(IProfileGrain), nameof(IProfileGrain.GetView), "query($id: String!) { profile(namespace: \"crmId\", id: $id) { id } }" },
        { nameof(IAudienceShardGrain), nameof(IAudienceShardGrain.Count), "query($id: String!) { segment(id: \"time-limit-plus\") { size } profile(namespace: \"crmId\", id: $id) { id } }" },
    };

    [Theory]
    [MemberData(nameof(HeldCalls))]
    public async Task A_request_waiting_for_a_grain_that_does_not_answer_ends_at_the_execution_limit(string grain, string method, string query)
    {
        var crm = $"CRM-TL{Guid.NewGuid():N}"[..16];
        await api.GraphQL("mutation { defineSegment(input: { id: \"time-limit-plus\", name: \"Plus\", expression: \"traits.loyaltyTier = \\\"plus\\\"\" }) { id } }");
        var (status, _) = await api.PostEvents($$"""[{"id":"{{crm}}-1","type":"web.pageView","timestamp":"{{Now}}","identities":[{"namespace":"crmId","id":"{{crm}}"}]}]""");
        Assert.Equal(HttpStatusCode.OK, status);
        // Ingestion made the host remember the person's profile, and a lookup then reads it without asking the
        // identity grain: forget it, so that the identity grain is on the lookup's path.
        api.Services.GetRequiredService<OwnerCache>().Forget([api.Services.GetRequiredService<IdentityRules>().Normalize("crmId", crm)]);
        var client = api.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(25);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/graphql-response+json"));

        api.Stall.Hold(grain, method);
        HttpResponseMessage response;
        var clock = Stopwatch.StartNew();
        try
        {
            response = await client.PostAsJsonAsync("/graphql", new { query, variables = new { id = crm } });
        }
        finally
        {
            api.Stall.Release();
        }
        clock.Stop();

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(api.Stall.Held > 0, $"no call to {grain}.{method} was held");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("TIMEOUT", body["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        // The limit is 3 s (room for the first, cold requests of the setup); Orleans' response timeout is 30 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"answered after {clock.Elapsed.TotalSeconds:0.0} s; the limit is 3 s");

        // The grid is unharmed: once the grain answers again, the same request is answered.
        var data = await api.GraphQL(query, new { id = crm });
        Assert.NotNull(data.First().Value);
    }
}

/// <summary>The silo host with a short execution limit and a grain call filter that can hold calls to one method.</summary>
public sealed class StallingSiloApiFactory : SiloApiFactory
{
    public StallingCallFilter Stall { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [new("ProfileGrid:GraphQL:ExecutionTimeout", "00:00:03")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IIncomingGrainCallFilter>(Stall));
    }
}

/// <summary>Holds incoming calls to one grain interface's method until released.</summary>
public sealed class StallingCallFilter : IIncomingGrainCallFilter
{
    private volatile HeldMethod? _hold;
    private int _held;

    public int Held => Volatile.Read(ref _held);

    public void Hold(string grainInterface, string method)
    {
        Interlocked.Exchange(ref _held, 0);
        _hold = new HeldMethod(grainInterface, method, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public void Release()
    {
        var hold = _hold;
        _hold = null;
        hold?.Gate.TrySetResult();
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (_hold is { } hold && context.InterfaceMethod?.Name == hold.Method && context.InterfaceMethod.DeclaringType?.Name == hold.GrainInterface)
        {
            Interlocked.Increment(ref _held);
            await hold.Gate.Task;
        }
        await context.Invoke();
    }

    private sealed record HeldMethod(string GrainInterface, string Method, TaskCompletionSource Gate);
}
