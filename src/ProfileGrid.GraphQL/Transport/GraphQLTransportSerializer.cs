using System.Text.Json;
using GraphQL.Execution;
using GraphQL.SystemTextJson;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// graphql-dotnet's System.Text.Json serializer, with its options opened up so WebSocket envelopes
/// can be written around a serialized payload in one pass, and with exception details exposed only
/// when <see cref="GraphQLTransportOptions.ExposeExceptions"/> says so.
/// </summary>
internal sealed class GraphQLTransportSerializer : GraphQLSerializer
{
    public GraphQLTransportSerializer(bool exposeExceptions)
        : base(indent: false, new ErrorInfoProvider(o => o.ExposeExceptionDetails = exposeExceptions))
    {
    }

    public JsonSerializerOptions Options => SerializerOptions;
}
