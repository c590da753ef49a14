namespace ProfileGrid.Segments.Binding;

/// <summary>Static types checked at definition time; traits and attributes are <see cref="Dynamic"/> (known only at run time).</summary>
internal enum SegmentType
{
    Boolean,
    Number,
    String,
    Date,
    Dynamic,

    /// <summary>A value that already failed to bind; suppresses follow-on errors.</summary>
    Invalid,
}

internal static class SegmentTypeNames
{
    public static string WithArticle(SegmentType type) => type switch
    {
        SegmentType.Boolean => "a true/false value",
        SegmentType.Number => "a number",
        SegmentType.String => "text",
        SegmentType.Date => "a date",
        _ => "a value of any type",
    };
}

internal enum StatsField
{
    EventCount,
    PurchaseCount,
    LifetimeRevenue,
    FirstSeen,
    LastSeen,
    LastPurchaseAt,
    MostEngagedChannel,
}

/// <summary>The fixed set of <c>stats.&lt;name&gt;</c> fields and their types.</summary>
internal static class KnownStats
{
    private static readonly (string Name, StatsField Field, SegmentType Type)[] Fields =
    [
        ("eventCount", StatsField.EventCount, SegmentType.Number),
        ("purchaseCount", StatsField.PurchaseCount, SegmentType.Number),
        ("lifetimeRevenue", StatsField.LifetimeRevenue, SegmentType.Number),
        ("firstSeen", StatsField.FirstSeen, SegmentType.Date),
        ("lastSeen", StatsField.LastSeen, SegmentType.Date),
        ("lastPurchaseAt", StatsField.LastPurchaseAt, SegmentType.Date),
        ("mostEngagedChannel", StatsField.MostEngagedChannel, SegmentType.String),
    ];

    public static string NameList { get; } =
        string.Join(", ", Fields[..^1].Select(f => f.Name)) + " or " + Fields[^1].Name;

    public static bool TryFind(string name, out StatsField field)
    {
        foreach (var candidate in Fields)
        {
            if (candidate.Name == name)
            {
                field = candidate.Field;
                return true;
            }
        }

        field = default;
        return false;
    }

    public static SegmentType TypeOf(StatsField field) => Fields.First(f => f.Field == field).Type;
}
