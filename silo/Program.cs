using ProfileGrid.GraphQL.Hosting;
using ProfileGrid.Hosting;
using ProfileGrid.Silo.Extensions;

return ProfileGridHostEntry.Run("profilegrid-silo", () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddProfileGridSilo();

    var app = builder.Build();
    app.MapProfileGridHealth();
    app.MapProfileGridApi();
    return app;
}, app => app.Run());

/// <summary>The entry point, visible to tests that host the silo in process.</summary>
public partial class Program;
