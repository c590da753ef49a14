using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ProfileGrid.Silo.Extensions;

/// <summary>Prints where the grid listens and one query to try.</summary>
public sealed class StartupBanner(IServer server, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var url = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? SiloHostExtensions.DefaultUrl;
            Console.WriteLine($$"""

                ProfileGrid is running. GraphQL: {{url}}/graphql   Bulk events: POST {{url}}/v1/events

                Try:
                  curl -s {{url}}/graphql -H 'content-type: application/json' \
                    -d '{"query":"{ profile(namespace: \"email\", id: \"sarah@luma.example\") { id identities { namespace id } traits stats { eventCount lifetimeRevenue mostEngagedChannel } events(last: 5) { type timestamp channel } } }"}'

                """);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
