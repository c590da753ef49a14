using System.Buffers;
using System.Text.Encodings.Web;

namespace ProfileGrid.Demo.Generation;

/// <summary>A small builder for the JSON objects of event attributes and traits.</summary>
internal sealed class JsonObj
{
    internal static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly Utf8JsonWriter _writer;

    public JsonObj()
    {
        _writer = new Utf8JsonWriter(_buffer, Options);
        _writer.WriteStartObject();
    }

    public JsonObj Add(string name, string? value)
    {
        if (value is not null) _writer.WriteString(name, value);
        return this;
    }

    public JsonObj Add(string name, double value)
    {
        _writer.WriteNumber(name, value);
        return this;
    }

    public JsonObj Add(string name, long value)
    {
        _writer.WriteNumber(name, value);
        return this;
    }

    public JsonObj Add(string name, bool value)
    {
        _writer.WriteBoolean(name, value);
        return this;
    }

    /// <summary>Adds a nested object.</summary>
    public JsonObj Add(string name, JsonObj value)
    {
        _writer.WritePropertyName(name);
        _writer.WriteRawValue(value.ToString(), skipInputValidation: true);
        return this;
    }

    /// <summary>Adds an array of nested objects.</summary>
    public JsonObj Add(string name, IEnumerable<JsonObj> values)
    {
        _writer.WriteStartArray(name);
        foreach (var value in values) _writer.WriteRawValue(value.ToString(), skipInputValidation: true);
        _writer.WriteEndArray();
        return this;
    }

    /// <summary>Adds an array of strings.</summary>
    public JsonObj Add(string name, IEnumerable<string> values)
    {
        _writer.WriteStartArray(name);
        foreach (var value in values) _writer.WriteStringValue(value);
        _writer.WriteEndArray();
        return this;
    }

    private string? _text;

    /// <summary>The finished object; no more properties can be added afterwards.</summary>
    public override string ToString()
    {
        if (_text is null)
        {
            _writer.WriteEndObject();
            _writer.Flush();
            _text = System.Text.Encoding.UTF8.GetString(_buffer.WrittenSpan);
            _writer.Dispose();
        }
        return _text;
    }
}
