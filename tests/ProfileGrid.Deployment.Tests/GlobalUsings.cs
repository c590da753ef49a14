global using System.Diagnostics;
global using System.Net;
global using Microsoft.Extensions.DependencyInjection;
global using System.Text.Json.Nodes;
global using Npgsql;
global using ProfileGrid.Testing.Postgres;
global using Xunit;
global using Xunit.Abstractions;
