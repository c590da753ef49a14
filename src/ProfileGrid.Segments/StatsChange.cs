namespace ProfileGrid.Segments;

/// <summary>
/// Stats fields (<c>stats.&lt;name&gt;</c>) as flags: those a segment reads (<see cref="SegmentDependencies.StatsRead"/>)
/// and those a profile change can have moved, so that only the segments reading a moved field are evaluated again.
/// </summary>
[Flags]
public enum StatsChange
{
    None = 0,
    EventCount = 1,
    PurchaseCount = 2,
    LifetimeRevenue = 4,
    FirstSeen = 8,
    LastSeen = 16,
    LastPurchaseAt = 32,
    MostEngagedChannel = 64,
    All = 127,
}
