using ProfileGrid.Events;

namespace ProfileGrid.Demo.UnitTests;

/// <summary>The default dataset, generated once for all tests, and helpers to look into it.</summary>
internal static class Demo
{
    /// <summary>A fixed "now" with sub-second precision and a non-UTC offset, on purpose.</summary>
    public static readonly DateTimeOffset Now = new(2026, 5, 20, 14, 30, 15, 123, TimeSpan.FromHours(2));

    public static readonly DemoDataset Default = LumaDemo.Generate(Now);

    public static DateTimeOffset Time(this RawEvent e) =>
        DateTimeOffset.ParseExact(e.Timestamp!, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static bool Has(this RawEvent e, string ns, string id) =>
        e.Identities.Any(i => i.Namespace == ns && i.Id == id);

    public static bool HasOnly(this RawEvent e, string ns, string id) =>
        e.Identities.Length == 1 && e.Has(ns, id);

    public static JsonElement Attributes(this RawEvent e)
    {
        using var document = JsonDocument.Parse(e.AttributesJson!);
        return document.RootElement.Clone();
    }

    public static string? Attribute(this RawEvent e, string name) =>
        e.AttributesJson is not null && e.Attributes().TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Every field of every event and trait, for comparing whole datasets.</summary>
    public static IReadOnlyList<string> Canonical(DemoDataset dataset) =>
    [
        .. dataset.Events.Select(e =>
            $"{e.Id}|{e.Type}|{e.Timestamp}|{string.Join(",", e.Identities.Select(i => $"{i.Namespace}:{i.Id}"))}|" +
            $"{e.Channel}|{e.Campaign}|{e.Revenue?.ToString("R", CultureInfo.InvariantCulture)}|{e.AttributesJson}|{e.SizeBytes}"),
        .. dataset.Traits.Select(t => $"{t.Namespace}|{t.Id}|{t.TraitsJson}|{t.ObservedAt:O}"),
    ];
}
