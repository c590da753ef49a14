using ProfileGrid.Segments;
using ProfileGrid.Storage.Postgres.ProfileSets;

namespace ProfileGrid.Storage;

/// <summary>
/// The durable sets: this service's rows of <c>profilegrid_profile_sets</c>, written by deltas that
/// the silo's <see cref="PostgresProfileSets"/> group-commits across all shards.
/// </summary>
public sealed class PostgresProfileIdSetStore(PostgresProfileSets sets, string serviceId) : IProfileIdSetStore
{
    public Task<IReadOnlyCollection<string>> Load(string setKey) => sets.LoadAsync(serviceId, setKey);

    public Task Apply(string setKey, IReadOnlyCollection<string> added, IReadOnlyCollection<string> removed) =>
        sets.ApplyAsync(serviceId, setKey, added, removed);

    public Task Clear(string setKey) => sets.ClearAsync(serviceId, setKey);
}
