global using System.Collections.Concurrent;
global using System.Net.WebSockets;
global using System.Text;
global using System.Text.Json;
global using Xunit;
