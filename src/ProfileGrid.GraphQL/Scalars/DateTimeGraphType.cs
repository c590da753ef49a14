using System.Globalization;
using GraphQLParser.AST;

namespace ProfileGrid.GraphQL.Scalars;

/// <summary>An ISO-8601 date-time with offset (RFC 3339), carried as <see cref="DateTimeOffset"/> in UTC.</summary>
public sealed class IsoDateTimeGraphType : ScalarGraphType
{
    public IsoDateTimeGraphType()
    {
        Name = "DateTime";
        Description = "An ISO-8601 date-time, e.g. 2026-11-23T10:15:00Z.";
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        DateTimeOffset dto => dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateTime dt => DateTime.SpecifyKind(dt, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        _ => ThrowSerializationError(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        DateTimeOffset dto => dto.ToUniversalTime(),
        DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
        string s => Parse(s),
        _ => ThrowValueConversionError(value),
    };

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue s => Parse(s.Value.ToString()),
        _ => ThrowLiteralConversionError(value),
    };

    private static DateTimeOffset Parse(string s) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : throw new FormatException($"'{s}' is not an ISO-8601 date-time (expected e.g. 2026-11-23T10:15:00Z)");
}
