using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using ProfileGrid.Client.Extensions;
using ProfileGrid.GraphQL.Hosting;
using ProfileGrid.GraphQL.Segments;
using ProfileGrid.Hosting;
using ProfileGrid.Silo.Extensions;
using ProfileGrid.Testing.Postgres;

namespace ProfileGrid.Subscriptions.Tests;

/// <summary>
/// A silo host or a gateway host, wired by the same extension methods <c>silo/</c> and
/// <c>client/</c> call, on Kestrel at 127.0.0.1 and free ports, in this process. Silos started with
/// the port of another silo join its cluster (<c>ProfileGrid:PrimarySiloPort</c>).
/// </summary>
public sealed class GridHost : IAsyncDisposable
{
    private GridHost(WebApplication app, Uri baseAddress, int siloPort, int gatewayPort)
    {
        App = app;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpUri = new Uri(baseAddress, "/graphql");
        WebSocketUri = new UriBuilder(HttpUri) { Scheme = "ws" }.Uri;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public Uri HttpUri { get; }

    public Uri WebSocketUri { get; }

    public HttpClient Http { get; }

    public SegmentChangeHub Hub => App.Services.GetRequiredService<SegmentChangeHub>();

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    /// <summary>This silo's address (silo hosts only).</summary>
    public string SiloAddress => App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();

    public static async Task<GridHost> StartSiloAsync(string serviceId, GridHost? primary = null, IDictionary<string, string?>? settings = null)
    {
        var siloPort = LoopbackPorts.Next();
        var gatewayPort = LoopbackPorts.Next();
        var builder = CreateBuilder(serviceId, settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ProfileGrid:SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ProfileGrid:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ProfileGrid:PrimarySiloPort"] = primary?.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.AddProfileGridSilo();
        var app = builder.Build();
        app.MapProfileGridHealth();
        app.MapProfileGridApi();
        return await StartAsync(app, siloPort, gatewayPort);
    }

    /// <summary>A gateway (Orleans client) connected to <paramref name="silo"/>'s gateway port.</summary>
    public static async Task<GridHost> StartGatewayAsync(string serviceId, GridHost silo)
    {
        var builder = CreateBuilder(serviceId, new Dictionary<string, string?>
        {
            ["ProfileGrid:GatewayPort"] = silo.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.AddProfileGridGateway();
        var app = builder.Build();
        app.MapProfileGridHealth();
        app.MapProfileGridApi();
        return await StartAsync(app, 0, 0);
    }

    /// <summary>
    /// Publishes <paramref name="changes"/> from a grain activated on this silo, through the silo's
    /// real publisher; returns the silo the grain ran on.
    /// </summary>
    public Task<string> PublishFromGrainAsync(params SegmentMembershipChange[] changes) =>
        Grains.GetGrain<IChangeEmitterGrain>(Guid.NewGuid()).Emit(changes);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await App.StopAsync(timeout.Token);
        }
        finally
        {
            await App.DisposeAsync();
        }
    }

    private static WebApplicationBuilder CreateBuilder(string serviceId, IDictionary<string, string?>? settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["ProfileGrid:Demo"] = "false",
            ["ProfileGrid:ServiceId"] = serviceId,
            ["ProfileGrid:ClusterId"] = serviceId,
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    private static async Task<GridHost> StartAsync(WebApplication app, int siloPort, int gatewayPort)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var host = new GridHost(app, new Uri(address), siloPort, gatewayPort);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.Hub.WhenSubscribed(timeout.Token);
        return host;
    }
}
