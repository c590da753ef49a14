using System.Runtime.CompilerServices;

namespace ProfileGrid.Storage;

/// <summary>Silos declared dead while this one watches membership.</summary>
public static class SiloDeaths
{
    /// <summary>The silos <paramref name="snapshot"/> declares dead that <paramref name="known"/> lacks, added to it.</summary>
    public static List<SiloAddress> Newly(ClusterMembershipSnapshot snapshot, HashSet<SiloAddress> known) =>
        [.. snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && known.Add(m.SiloAddress)).Select(m => m.SiloAddress)];

    /// <summary>The silos a snapshot declares dead, all of them.</summary>
    public static HashSet<SiloAddress> All(ClusterMembershipSnapshot snapshot) =>
        [.. snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress)];

    /// <summary>
    /// Each membership snapshot that declares silos dead, with those silos; silos dead before the first snapshot
    /// (before this silo joined) are not reported. Ends when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static async IAsyncEnumerable<(IReadOnlyList<SiloAddress> Dead, ClusterMembershipSnapshot Snapshot)> Watch(
        IClusterMembershipService membership,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HashSet<SiloAddress>? dead = null;
        var updates = membership.MembershipUpdates.WithCancellation(cancellationToken).GetAsyncEnumerator();
        try
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync()) yield break;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }
                var snapshot = updates.Current;
                if (dead is null)
                {
                    dead = All(snapshot);
                    continue;
                }
                var newlyDead = Newly(snapshot, dead);
                if (newlyDead.Count > 0) yield return (newlyDead, snapshot);
            }
        }
        finally
        {
            await updates.DisposeAsync();
        }
    }
}
