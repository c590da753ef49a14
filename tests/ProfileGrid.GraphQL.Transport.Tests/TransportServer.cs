using System.Security.Claims;
using GraphQL;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>
/// A real Kestrel server on 127.0.0.1 and a free port, wired the way a host wires the transports:
/// configuration section, AddGraphQL for the schema, AddGraphQLTransport, UseWebSockets,
/// MapGraphQLHttp.
/// </summary>
public sealed class TransportServer : IAsyncDisposable
{
    public const string UserHeader = "X-Test-User";

    private TransportServer(WebApplication app, Uri baseAddress)
    {
        App = app;
        HttpUri = new Uri(baseAddress, "/graphql");
        WebSocketUri = new UriBuilder(HttpUri) { Scheme = "ws" }.Uri;
        Events = app.Services.GetRequiredService<ToyEvents>();
        Client = new HttpClient { BaseAddress = HttpUri, Timeout = TimeSpan.FromSeconds(10) };
    }

    public WebApplication App { get; }

    public Uri HttpUri { get; }

    public Uri WebSocketUri { get; }

    public ToyEvents Events { get; }

    public HttpClient Client { get; }

    /// <param name="settings">Configuration keys, e.g. <c>ProfileGrid:GraphQL:MaxDepth</c>.</param>
    /// <param name="configure">Extra services and endpoints, for tests that need them.</param>
    public static async Task<TransportServer> StartAsync(IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());

        builder.Services.AddSingleton<ToyEvents>();
        builder.Services.AddSingleton<ToyCounter>();
        builder.Services.AddScoped<ScopedMarker>();
        builder.Services.AddGraphQL(graphQL => graphQL.AddSchema<ToySchema>().AddGraphTypes(typeof(ToySchema).Assembly).AddSystemTextJson());
        builder.Services.AddGraphQLTransport(builder.Configuration);
        builder.Services.AddSingleton<IGraphQLWebSocketAuthenticator, ToyAuthenticator>();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Use((context, next) =>
        {
            // Stands in for the host's authentication middleware.
            if (context.Request.Headers.TryGetValue(UserHeader, out var name))
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name.ToString())], "test"));
            }

            return next(context);
        });
        app.UseWebSockets();
        app.MapGraphQLHttp("/graphql");
        map?.Invoke(app);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new TransportServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}

/// <summary>One server with default options, shared by the tests of a class.</summary>
public sealed class DefaultServerFixture : IAsyncLifetime
{
    public TransportServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TransportServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
