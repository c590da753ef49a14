namespace ProfileGrid.Segments.Evaluation;

internal enum ValueKind : byte
{
    Missing,
    Boolean,
    Number,
    String,
    Date,

    /// <summary>A JSON string, array or object from traits or attributes, kept as JSON so reading it does not allocate.</summary>
    Json,
}

/// <summary>
/// A runtime value. A struct with a kind tag rather than boxed objects so that evaluating a segment over every
/// event allocates nothing. JSON numbers and booleans are converted on read; JSON strings stay JSON and are
/// compared in place.
/// </summary>
internal readonly struct SegmentValue
{
    private SegmentValue(ValueKind kind, double number, long ticks, string? text, JsonElement json)
    {
        Kind = kind;
        Number = number;
        Ticks = ticks;
        Text = text;
        Json = json;
    }

    public ValueKind Kind { get; }

    public double Number { get; }

    /// <summary>UTC ticks for dates; 1 or 0 for booleans.</summary>
    public long Ticks { get; }

    public string? Text { get; }

    public JsonElement Json { get; }

    public bool IsTrue => Kind == ValueKind.Boolean && Ticks != 0;

    public bool IsJsonString => Kind == ValueKind.Json && Json.ValueKind == JsonValueKind.String;

    public static SegmentValue Missing => default;

    public static SegmentValue FromBoolean(bool value) => new(ValueKind.Boolean, 0, value ? 1 : 0, null, default);

    public static SegmentValue FromNumber(double value) => new(ValueKind.Number, value, 0, null, default);

    public static SegmentValue FromNumber(double? value) => value is { } number ? FromNumber(number) : default;

    public static SegmentValue FromString(string? value) => value is null ? default : new(ValueKind.String, 0, 0, value, default);

    public static SegmentValue FromDateTicks(long utcTicks) => new(ValueKind.Date, 0, utcTicks, null, default);

    public static SegmentValue FromDate(DateTimeOffset? value) => value is { } date ? FromDateTicks(date.UtcTicks) : default;

    public static SegmentValue FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True => FromBoolean(true),
        JsonValueKind.False => FromBoolean(false),
        JsonValueKind.Number => element.TryGetDouble(out var number) && double.IsFinite(number) ? FromNumber(number) : default,
        JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Object => new(ValueKind.Json, 0, 0, null, element),
        _ => default,
    };

    /// <summary>How the value is shown in explanations.</summary>
    public string Display() => Kind switch
    {
        ValueKind.Boolean => IsTrue ? "true" : "false",
        ValueKind.Number => Number.ToString(CultureInfo.InvariantCulture),
        ValueKind.String => SyntaxPrinter.Quote(Text!),
        ValueKind.Date => DateLiteral.Format(Ticks),
        ValueKind.Json => SourceText.Shorten(Json.GetRawText()),
        _ => "(none)",
    };
}
