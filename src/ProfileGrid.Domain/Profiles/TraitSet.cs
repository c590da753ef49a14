using System.Text.Json.Nodes;
using ProfileGrid.Identity;

namespace ProfileGrid.Profiles;

/// <summary>One attribute value with the time it was observed and the identity it was set through.</summary>
[GenerateSerializer, Immutable]
public sealed record TraitValue(
    [property: Id(0)] string? Json,
    [property: Id(1)] DateTimeOffset ObservedAt,
    [property: Id(2)] IdentityKey Source);

/// <summary>
/// A profile's traits. For each attribute the newest observation wins, whatever the arrival order,
/// so replaying facts in any order gives the same traits. A null value is an observation too: it
/// removes the attribute as of that time, and an older value arriving later does not bring it back.
/// </summary>
[GenerateSerializer]
public sealed class TraitSet
{
    [Id(0)] private readonly Dictionary<string, TraitValue> _values = new(StringComparer.Ordinal);
    /// <summary><see cref="ToJsonText"/> until the next change; not serialized.</summary>
    [NonSerialized] private string? _jsonText;

    public IReadOnlyDictionary<string, TraitValue> Values => _values;

    /// <summary>Applies an observation of the attributes of a JSON object; returns the names that changed.</summary>
    public List<string> Upsert(JsonObject traits, DateTimeOffset observedAt, IdentityKey source)
    {
        var changed = new List<string>();
        foreach (var (name, node) in traits)
        {
            var json = node?.ToJsonString();
            if (Set(name, new TraitValue(json, observedAt, source))) changed.Add(name);
        }
        return changed;
    }

    public bool Set(string name, TraitValue value)
    {
        if (_values.TryGetValue(name, out var current) && current.ObservedAt > value.ObservedAt) return false;
        if (current is not null && current.ObservedAt == value.ObservedAt)
        {
            // Equal times: a deterministic winner (the greater value, then the lower source), so order of
            // arrival never matters, not even for which identity the trait is said to come from.
            var byJson = string.CompareOrdinal(current.Json, value.Json);
            if (byJson > 0 || (byJson == 0 && current.Source.CompareTo(value.Source) <= 0)) return false;
        }
        _values[name] = value;
        _jsonText = null;
        return true;
    }

    public void MergeFrom(TraitSet other)
    {
        foreach (var (name, value) in other._values) Set(name, value);
    }

    /// <summary>The traits set through any of <paramref name="sources"/>, for splitting a profile.</summary>
    public TraitSet Where(Func<IdentityKey, bool> sources)
    {
        var part = new TraitSet();
        foreach (var (name, value) in _values)
            if (sources(value.Source)) part._values[name] = value;
        return part;
    }

    /// <summary>
    /// <see cref="ToJson"/> as JSON text, kept until the traits change: every lookup of a profile reads it, and
    /// traits change far less often than they are read.
    /// </summary>
    public string ToJsonText() => _jsonText ??= ToJson().ToJsonString();

    /// <summary>The current traits as one JSON object (attributes removed by a null are absent).</summary>
    public JsonObject ToJson()
    {
        var result = new JsonObject();
        foreach (var (name, value) in _values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (value.Json is not null) result[name] = JsonNode.Parse(value.Json);
        return result;
    }
}
