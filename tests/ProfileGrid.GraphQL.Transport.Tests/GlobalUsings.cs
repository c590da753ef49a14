global using System.Net;
global using System.Net.WebSockets;
global using System.Text;
global using System.Text.Json;
global using ProfileGrid.GraphQL.Transport;
global using ProfileGrid.Testing.Subscriptions;
global using Xunit;
