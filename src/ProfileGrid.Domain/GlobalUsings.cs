global using System.Collections.Immutable;
global using System.Text.Json;
global using Orleans;
