using ProfileGrid.Client.Extensions;
using ProfileGrid.GraphQL.Hosting;
using ProfileGrid.Hosting;

return ProfileGridHostEntry.Run("profilegrid-gateway", () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddProfileGridGateway();

    var app = builder.Build();
    app.MapProfileGridHealth();
    app.MapProfileGridApi();
    return app;
}, app => app.RunGateway());

/// <summary>The entry point, visible to tests that host the gateway in process.</summary>
public partial class Program;
