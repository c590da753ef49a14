namespace ProfileGrid.Segments;

/// <summary>
/// One event of a profile as the segment language sees it. A value type so that a profile grain can
/// project its own stored events into it on the fly (no copy of the event list, no allocation).
/// </summary>
/// <param name="Type">The event type, e.g. <c>commerce.purchase</c>; compared ordinally (case-sensitive).</param>
/// <param name="Timestamp">When the event happened; <c>within</c> windows are measured against it, not against arrival time.</param>
/// <param name="Channel">The channel it came from (web, email, push, ...), when known.</param>
/// <param name="Campaign">The campaign it is attributed to, when known.</param>
/// <param name="Revenue">The money value of the event, when it has one; aggregates skip events without it.</param>
/// <param name="Attributes">The event's free-form JSON attributes (an object), or <c>default</c> when it has none.</param>
public readonly record struct SegmentEvent(
    string Type,
    DateTimeOffset Timestamp,
    string? Channel = null,
    string? Campaign = null,
    double? Revenue = null,
    JsonElement Attributes = default)
{
    private readonly JsonElement _attributes = Attributes;
    private readonly string? _attributesJson;
    private readonly ISegmentAttributeParser? _parser;

    /// <summary>
    /// An event whose attributes are parsed by <paramref name="parser"/> only when an expression reads them
    /// (most conditions stop at the type), so a subject need not parse, nor keep, attributes nobody reads.
    /// </summary>
    public SegmentEvent(string type, DateTimeOffset timestamp, string? channel, string? campaign, double? revenue, string attributesJson, ISegmentAttributeParser parser)
        : this(type, timestamp, channel, campaign, revenue)
    {
        _attributesJson = attributesJson;
        _parser = parser;
    }

    public JsonElement Attributes
    {
        get => _parser is null ? _attributes : _parser.Parse(_attributesJson!);
        init
        {
            // Given attributes replace any deferred ones.
            _attributes = value;
            _attributesJson = null;
            _parser = null;
        }
    }
}

/// <summary>Turns an event's attributes text into the JSON the language reads; free to cache what it parsed.</summary>
public interface ISegmentAttributeParser
{
    /// <param name="attributesJson">A JSON object, as stored with the event.</param>
    JsonElement Parse(string attributesJson);
}
