global using System.Collections.Immutable;
global using Orleans;
global using ProfileGrid.Events;
global using ProfileGrid.Identity;
global using ProfileGrid.Profiles;
