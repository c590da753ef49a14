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
    private static readonly (string Name, StatsField Field, SegmentType Type, StatsChange Flag)[] Fields =
    [
        ("eventCount", StatsField.EventCount, SegmentType.Number, StatsChange.EventCount),
        ("purchaseCount", StatsField.PurchaseCount, SegmentType.Number, StatsChange.PurchaseCount),
        ("lifetimeRevenue", StatsField.LifetimeRevenue, SegmentType.Number, StatsChange.LifetimeRevenue),
        ("firstSeen", StatsField.FirstSeen, SegmentType.Date, StatsChange.FirstSeen),
        ("lastSeen", StatsField.LastSeen, SegmentType.Date, StatsChange.LastSeen),
        ("lastPurchaseAt", StatsField.LastPurchaseAt, SegmentType.Date, StatsChange.LastPurchaseAt),
        ("mostEngagedChannel", StatsField.MostEngagedChannel, SegmentType.String, StatsChange.MostEngagedChannel),
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

    public static StatsChange FlagOf(StatsField field) => Fields.First(f => f.Field == field).Flag;
}
