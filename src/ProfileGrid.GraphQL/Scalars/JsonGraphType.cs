using System.Globalization;
using System.Text.Json.Nodes;
using GraphQLParser.AST;

namespace ProfileGrid.GraphQL.Scalars;

/// <summary>
/// Any JSON value (traits, event attributes). Output values are <see cref="JsonNode"/>s or JSON text;
/// input arrives as a GraphQL literal or a variable and becomes a <see cref="JsonNode"/>.
/// </summary>
public sealed class JsonGraphType : ScalarGraphType
{
    public JsonGraphType()
    {
        Name = "JSON";
        Description = "Any JSON value.";
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        JsonNode node => JsonSerializer.Deserialize<JsonElement>(node.ToJsonString()),
        JsonElement element => element,
        _ => value,
    };

    public override object? ParseValue(object? value) => ToNode(value);

    public override object? ParseLiteral(GraphQLValue value) => FromLiteral(value);

    public override bool CanParseLiteral(GraphQLValue value) => true;

    public override bool CanParseValue(object? value) => true;

    private static JsonNode? FromLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLBooleanValue b => JsonValue.Create(b.BoolValue),
        GraphQLIntValue i => JsonValue.Create(decimal.Parse(i.Value.Span, NumberStyles.Integer, CultureInfo.InvariantCulture)),
        GraphQLFloatValue f => JsonValue.Create(double.Parse(f.Value.Span, NumberStyles.Float, CultureInfo.InvariantCulture)),
        GraphQLStringValue s => JsonValue.Create(s.Value.ToString()),
        GraphQLEnumValue e => JsonValue.Create(e.Name.StringValue),
        GraphQLListValue list => new JsonArray([.. (list.Values ?? []).Select(FromLiteral)]),
        GraphQLObjectValue obj => new JsonObject((obj.Fields ?? []).Select(f =>
            KeyValuePair.Create(f.Name.StringValue, FromLiteral(f.Value)))),
        _ => throw new InvalidOperationException($"JSON: unsupported literal {value.Kind}"),
    };

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node,
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        System.Numerics.BigInteger big => JsonValue.Create((decimal)big),
        IDictionary<string, object?> map => new JsonObject(map.Select(kv => KeyValuePair.Create(kv.Key, ToNode(kv.Value)))),
        IEnumerable<object?> list => new JsonArray([.. list.Select(ToNode)]),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
