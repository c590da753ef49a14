namespace ProfileGrid.Segments;

/// <summary>
/// Limits and sizes of live segmentation, bound from <c>ProfileGrid:Segments</c>. Every limit is reported
/// by name when a definition hits it; nothing is dropped silently.
/// </summary>
public sealed class SegmentOptions
{
    public const string Section = "ProfileGrid:Segments";

    /// <summary>Segments that may be defined at once (<c>ProfileGrid:Segments:MaxSegments</c>).</summary>
    public int MaxSegments { get; set; } = 1000;

    /// <summary>Longest expression in characters (<c>ProfileGrid:Segments:MaxExpressionLength</c>).</summary>
    public int MaxExpressionLength { get; set; } = 4000;

    /// <summary>
    /// Shards of each segment's audience. Fixed for the life of a deployment: changing it loses members
    /// until the next re-evaluation.
    /// </summary>
    public int AudienceShards { get; set; } = 16;

    /// <summary>Shards of the directory of profile ids that batch evaluation walks. Fixed for a deployment.</summary>
    public int DirectoryShards { get; set; } = 16;

    /// <summary>
    /// How often (at most) a silo asks the registry whether the catalogue changed. A batch evaluation waits twice
    /// this long before it walks the directory, so that no profile created meanwhile is evaluated with an old one.
    /// </summary>
    public int CatalogRefreshMilliseconds { get; set; } = 500;

    /// <summary>Profiles a batch evaluation refreshes concurrently.</summary>
    public int BatchParallelism { get; set; } = 64;
}
