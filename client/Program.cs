using ProfileGrid.Client.Extensions;
using ProfileGrid.GraphQL.Hosting;
using ProfileGrid.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddProfileGridGateway();

var app = builder.Build();
app.MapProfileGridHealth();
app.MapProfileGridApi();
try
{
    app.Run();
}
catch (Exception e) when (app.Lifetime.ApplicationStopping.IsCancellationRequested && IsCancellation(e))
{
    // The shutdown budget ran out while the cluster client was still closing its connections to silos
    // that were stopping or gone too (a rollout stops them together). Requests were drained before that
    // and a gateway holds no state of its own, so the stop is still a clean one.
    app.Logger.LogWarning("The cluster client had not closed when the shutdown budget ran out (no silo answered); exiting anyway");
}

static bool IsCancellation(Exception e) =>
    e is OperationCanceledException || (e is AggregateException all && all.InnerExceptions.All(IsCancellation));

/// <summary>The entry point, visible to tests that host the gateway in process.</summary>
public partial class Program;
