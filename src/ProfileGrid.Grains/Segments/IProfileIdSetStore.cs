namespace ProfileGrid.Segments;

/// <summary>
/// Where the directory and audience shards keep their sets of profile ids. A change writes only the
/// members that changed: rewriting a whole set (tens of thousands of ids) for every new profile is
/// what grain state would cost. Sets belong to the silo's service (<c>ClusterOptions.ServiceId</c>);
/// the implementations take it from there.
/// </summary>
public interface IProfileIdSetStore
{
    /// <summary>Every member of the set (see <see cref="ProfileIdSetKeys"/>); empty for a set never written.</summary>
    Task<IReadOnlyCollection<string>> Load(string setKey);

    /// <summary>Removes <paramref name="removed"/>, then adds <paramref name="added"/>; completes once stored.</summary>
    Task Apply(string setKey, IReadOnlyCollection<string> added, IReadOnlyCollection<string> removed);

    /// <summary>Removes every member of the set; completes once stored.</summary>
    Task Clear(string setKey);
}

/// <summary>Names of the sets the segment grains keep.</summary>
public static class ProfileIdSetKeys
{
    public static string Directory(long shard) => $"directory/{shard}";

    /// <summary>One segment's members in one audience shard (<see cref="SegmentShards.AudienceKey"/>).</summary>
    public static string Audience(string segmentId, long shard) => $"audience/{SegmentShards.AudienceKey(segmentId, shard)}";
}
