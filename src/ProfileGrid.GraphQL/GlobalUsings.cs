global using System.Collections.Immutable;
global using GraphQL;
global using GraphQL.Types;
global using System.Text.Json;
global using ProfileGrid.Events;
global using ProfileGrid.Identity;
global using ProfileGrid.Profiles;
