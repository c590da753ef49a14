using Orleans.Runtime;

namespace ProfileGrid.Hosting;

/// <summary>
/// References to the grains that every event and every lookup reaches (profiles, identities, the
/// audience shard a membership change updates, the directory shard a new profile joins, the event id
/// shards of a batch). <c>GetGrain&lt;T&gt;(key)</c> resolves the interface's grain type by reading its attributes
/// on every call; this resolves it once per interface and builds the id directly, the same reference
/// Orleans would build.
/// </summary>
public static class GrainReferences
{
    public static IProfileGrain Profile(this IGrainFactory grains, string profileId) => Keyed<IProfileGrain>.Get(grains, profileId);

    public static IIdentityGrain Identity(this IGrainFactory grains, IdentityKey identity) => Keyed<IIdentityGrain>.Get(grains, identity.ToString());

    /// <summary>One shard of the segments' audiences (<see cref="Segments.SegmentShards.Of"/>).</summary>
    public static Segments.IAudienceShardGrain AudienceShard(this IGrainFactory grains, long shard) =>
        IntegerKeyed<Segments.IAudienceShardGrain>.Get(grains, shard);

    /// <summary>One shard of the directory of every profile id (<see cref="Segments.SegmentShards.Of"/>).</summary>
    public static Segments.IProfileDirectoryGrain Directory(this IGrainFactory grains, long shard) =>
        IntegerKeyed<Segments.IProfileDirectoryGrain>.Get(grains, shard);

    /// <summary>One shard of the in-memory record of event ids seen.</summary>
    public static Ingestion.IEventIdShardGrain EventIds(this IGrainFactory grains, long shard) =>
        IntegerKeyed<Ingestion.IEventIdShardGrain>.Get(grains, shard);

    private static class Keyed<T> where T : IGrainWithStringKey
    {
        // A reference, so that threads racing on the first call see either nothing or both types: a
        // nullable struct of two ids could be read half written.
        private static Resolved? _resolved;

        public static T Get(IGrainFactory grains, string key)
        {
            var resolved = Volatile.Read(ref _resolved) ?? Resolve(grains);
            return (T)grains.GetGrain(GrainId.Create(resolved.Type, key), resolved.Interface);
        }

        // Deterministic per interface (names, not instances), so one answer serves every factory in the process.
        private static Resolved Resolve(IGrainFactory grains)
        {
            var sample = (GrainReference)(object)grains.GetGrain<T>("-");
            var resolved = new Resolved(sample.GrainId.Type, sample.InterfaceType);
            Volatile.Write(ref _resolved, resolved);
            return resolved;
        }
    }

    private static class IntegerKeyed<T> where T : IGrainWithIntegerKey
    {
        private static Resolved? _resolved;

        public static T Get(IGrainFactory grains, long key)
        {
            var resolved = Volatile.Read(ref _resolved) ?? Resolve(grains);
            return (T)grains.GetGrain(GrainId.Create(resolved.Type, GrainIdKeyExtensions.CreateIntegerKey(key)), resolved.Interface);
        }

        private static Resolved Resolve(IGrainFactory grains)
        {
            var sample = (GrainReference)(object)grains.GetGrain<T>(0);
            var resolved = new Resolved(sample.GrainId.Type, sample.InterfaceType);
            Volatile.Write(ref _resolved, resolved);
            return resolved;
        }
    }

    private sealed record Resolved(GrainType Type, GrainInterfaceType Interface);
}
