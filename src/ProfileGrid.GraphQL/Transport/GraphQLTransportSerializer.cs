using System.Text.Encodings.Web;
using System.Text.Json;
using GraphQL.Execution;
using GraphQL.SystemTextJson;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// graphql-dotnet's System.Text.Json serializer, with its options opened up so WebSocket envelopes
/// can be written around a serialized payload in one pass, and with exception details exposed only
/// when <see cref="GraphQLTransportOptions.ExposeExceptions"/> says so. Output is not HTML-escaped
/// (a phone number reads <c>+14155550142</c>, not <c>\u002B14155550142</c>): responses are
/// <c>application/json</c>, never embedded in HTML by us.
/// </summary>
internal sealed class GraphQLTransportSerializer : GraphQLSerializer
{
    public GraphQLTransportSerializer(bool exposeExceptions)
        : base(o => o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, new ErrorInfoProvider(o => o.ExposeExceptionDetails = exposeExceptions))
    {
    }

    public JsonSerializerOptions Options => SerializerOptions;
}
