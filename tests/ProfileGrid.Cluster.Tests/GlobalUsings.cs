global using System.Collections.Immutable;
global using Orleans;
global using ProfileGrid.Events;
global using ProfileGrid.Identity;
global using ProfileGrid.Ingestion;
global using ProfileGrid.Profiles;
global using System.Text.Json;
global using Xunit;
