using System.Runtime.CompilerServices;

// The transport tests drive a WebSocket connection over a scripted socket to reach states a real
// socket cannot be put in on demand (a peer that stops reading).
[assembly: InternalsVisibleTo("ProfileGrid.GraphQL.Transport.Tests")]
