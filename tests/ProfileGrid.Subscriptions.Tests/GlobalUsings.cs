global using System.Net;
global using System.Net.WebSockets;
global using System.Text;
global using System.Text.Json;
global using Orleans;
global using ProfileGrid.Segments;
global using ProfileGrid.Testing.Subscriptions;
global using Xunit;
