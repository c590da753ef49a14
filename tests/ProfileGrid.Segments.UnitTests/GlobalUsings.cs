global using System.Text.Json;
global using ProfileGrid.Segments.Syntax;
global using ProfileGrid.Segments.UnitTests.Support;
global using Xunit;
