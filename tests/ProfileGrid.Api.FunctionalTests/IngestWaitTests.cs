using System.Reflection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.Identity;
using ProfileGrid.Ingestion;

namespace ProfileGrid.Api.FunctionalTests;

/// <summary>
/// A batch the grid does not acknowledge within <c>ProfileGrid:Ingestion:MaxWait</c> is answered 503, saying that
/// sending it again is safe; the API's door to the grid is given an ingest grain that never answers.
/// </summary>
public sealed class IngestWaitTests(IngestWaitTests.Factory factory) : IClassFixture<IngestWaitTests.Factory>
{
    [Fact]
    public async Task A_batch_the_grid_does_not_acknowledge_in_time_is_answered_503_saying_it_is_safe_to_send_again()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var (status, body) = await factory.PostEvents("""[{"id":"wait-1","type":"web.pageView","identities":[{"namespace":"email","id":"wait@example.com"}]}]""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(
            "the grid did not acknowledge the batch within 00:00:01 (ProfileGrid:Ingestion:MaxWait); some of its events may have been applied: sending the same batch again is safe (events are idempotent by id)",
            body!["error"]!.GetValue<string>());
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(20));
        Assert.Equal(1, Silent.Calls);
    }

    public sealed class Factory : SiloApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("ProfileGrid:Ingestion:MaxWait", "00:00:01")];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton(sp =>
                new ProfileGridGateway(Silent.Grains(), sp.GetRequiredService<IdentityRules>(), new OwnerCache())));
        }
    }

    /// <summary>A grain factory whose ingest grain takes every batch and never answers.</summary>
    public class Silent : DispatchProxy
    {
        private static int _calls;

        public static int Calls => Volatile.Read(ref _calls);

        public static IGrainFactory Grains() => Create<IGrainFactory, Silent>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IGrainFactory.GetGrain)) return Create<IIngestGrain, Silent>();
            if (targetMethod?.Name == nameof(IIngestGrain.Ingest))
            {
                Interlocked.Increment(ref _calls);
                return new TaskCompletionSource<IngestResult>().Task;
            }
            throw new NotSupportedException(targetMethod?.Name);
        }
    }
}
