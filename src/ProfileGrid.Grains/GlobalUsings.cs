global using System.Collections.Immutable;
global using Microsoft.Extensions.Logging;
global using Orleans;
global using Orleans.Runtime;
global using ProfileGrid.Events;
global using ProfileGrid.Identity;
global using ProfileGrid.Profiles;
global using ProfileGrid.Segments;
