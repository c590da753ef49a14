using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using ProfileGrid.Hosting.Client;
using ProfileGrid.Hosting.Health;
using ProfileGrid.Hosting.Shutdown;
using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Hosting;

public static class ProfileGridOperationsExtensions
{
    /// <summary>Liveness: the process answers HTTP. Nothing else is checked, so a restart is never triggered by a dependency.</summary>
    public const string LivePath = "/health/live";

    /// <summary>Readiness: storage reachable, silo active or client connected, not stopping.</summary>
    public const string ReadyPath = "/health/ready";

    private const string ReadyTag = "ready";

    /// <summary>
    /// What a silo or gateway needs to be operated: the health checks behind <see cref="ReadyPath"/>,
    /// and a graceful stop (unready first, then in-flight requests finish and Orleans leaves the
    /// cluster) bounded by <see cref="ProfileGridOperationsSettings.ShutdownTimeoutKey"/>.
    /// </summary>
    public static IHostApplicationBuilder AddProfileGridOperations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var operations = ProfileGridOperationsSettings.FromConfiguration(builder.Configuration);
        var storage = ProfileGridStorageSettings.FromConfiguration(builder.Configuration);
        var services = builder.Services;

        services.AddSingleton(Options.Create(operations));
        services.Configure<HostOptions>(options => options.ShutdownTimeout = operations.ShutdownTimeout);
        services.AddSingleton<DrainState>();
        services.AddHostedService<GracefulShutdown>();

        var checks = services.AddHealthChecks()
            .AddCheck<DrainingHealthCheck>("draining", tags: [ReadyTag])
            .AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag]);
        if (storage.Mode == StorageMode.Postgres)
        {
            checks.Add(new HealthCheckRegistration(
                "postgres", _ => new PostgresHealthCheck(storage.ConnectionString!), HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(3)));
        }

        return builder;
    }

    /// <summary>
    /// For a gateway: readiness follows the client's connection to the cluster, and the client keeps
    /// retrying to connect at start, logging where it looks.
    /// </summary>
    public static IClientBuilder AddProfileGridConnectionMonitoring(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Services.AddSingleton(ProfileGridStorageSettings.FromConfiguration(configuration));
        client.Services.AddSingleton<ClusterConnectionState>();
        client.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterConnectionState>());
        client.Services.AddSingleton<IClientConnectionRetryFilter, ClusterConnectionRetryFilter>();
        return client;
    }

    /// <summary>Maps <see cref="LivePath"/> and <see cref="ReadyPath"/>; both answer 200 or 503 with a JSON body naming each check.</summary>
    public static WebApplication MapProfileGridHealth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteJson });
        return app;
    }

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description }),
        }, cancellationToken: context.RequestAborted);
    }
}
