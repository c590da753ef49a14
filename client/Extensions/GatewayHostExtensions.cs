using ProfileGrid.GraphQL.Hosting;
using ProfileGrid.Hosting;
using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Client.Extensions;

public static class GatewayHostExtensions
{
    /// <summary>Default address when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> says otherwise (a silo on the same machine has 5000).</summary>
    public const string DefaultUrl = "http://127.0.0.1:5100";

    /// <summary>
    /// A stateless gateway: an Orleans client of the cluster the configuration names
    /// (<c>ProfileGrid:Storage</c>, as on the silos), serving the GraphQL API and bulk ingestion.
    /// Any number can run side by side; they hold no state. Each connection to a silo that closes is reported to
    /// <see cref="ConnectionLoss"/>: Orleans leaves a call sent by it waiting for its response timeout, and the API
    /// sends its idempotent calls again instead.
    /// </summary>
    public static WebApplicationBuilder AddProfileGridGateway(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"])) builder.WebHost.UseUrls(DefaultUrl);

        builder.Services.AddSingleton<ConnectionLoss>();
        builder.UseOrleansClient(client => client
            .UseProfileGridClustering(configuration)
            .AddProfileGridStreams()
            .AddProfileGridConnectionMonitoring(configuration)
            .AddGatewayCountChangedHandler(services =>
            {
                var loss = services.GetRequiredService<ConnectionLoss>();
                return (_, change) =>
                {
                    if (change.NumberOfConnectedGateways < change.PreviousNumberOfConnectedGateways) loss.Lost();
                };
            }));
        builder.AddProfileGridApi();
        builder.AddProfileGridOperations();
        return builder;
    }

    /// <summary>
    /// Runs the gateway until it is stopped. When the shutdown budget runs out while the cluster client is
    /// still closing its connections to silos that are stopping or gone too (a rollout stops them together),
    /// the stop is still a clean one: requests were drained before that and a gateway holds no state of its
    /// own. So it exits normally with a warning instead of failing on the client's cancelled stop. The host is
    /// disposed only after that decision: <c>app.Run()</c> disposes it before its exception reaches a caller, and
    /// a filter reading the disposed host's lifetime throws, which counts as no match.
    /// </summary>
    public static void RunGateway(this WebApplication app)
    {
        try
        {
            app.Start();
            app.WaitForShutdown();
        }
        catch (Exception e) when (app.Lifetime.ApplicationStopping.IsCancellationRequested && IsCancellation(e))
        {
            app.Logger.LogWarning("The cluster client had not closed when the shutdown budget ran out (no silo answered); exiting anyway");
        }
        finally
        {
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static bool IsCancellation(Exception e) =>
        e is OperationCanceledException || (e is AggregateException all && all.InnerExceptions.All(IsCancellation));
}
