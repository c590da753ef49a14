using ProfileGrid.Client.Extensions;
using ProfileGrid.GraphQL.Hosting;
using ProfileGrid.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddProfileGridGateway();

var app = builder.Build();
app.MapProfileGridHealth();
app.MapProfileGridApi();
app.RunGateway();

/// <summary>The entry point, visible to tests that host the gateway in process.</summary>
public partial class Program;
