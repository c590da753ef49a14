namespace ProfileGrid.Segments.Evaluation;

/// <summary>A dotted path into a JSON object, pre-encoded to UTF-8 so that each lookup neither allocates nor transcodes.</summary>
internal sealed class JsonPath
{
    private readonly byte[][] _segments;

    public JsonPath(IReadOnlyList<string> segments)
    {
        Text = string.Join('.', segments);
        _segments = segments.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    public string Text { get; }

    public int Length => _segments.Length;

    /// <summary>The element at the path, or <c>default</c> (undefined) when any step is missing or not an object.</summary>
    public JsonElement Resolve(JsonElement root)
    {
        var current = root;
        foreach (var segment in _segments)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return default;
            }
        }

        return current;
    }
}
