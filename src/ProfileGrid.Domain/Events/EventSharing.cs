using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ProfileGrid.Identity;

namespace ProfileGrid.Events;

/// <summary>
/// Events on a timeline repeat themselves: a person's events carry the same identities, and a handful of
/// types and channels. Parsed one by one, each holds its own copies, about a third of a timeline's memory.
/// <see cref="ShareWith"/> gives an event the identity objects of its neighbour on the timeline (and
/// pooled type, channel and campaign text) so that equal values are one object; the event stays equal to
/// what it was, value for value.
/// </summary>
public static class EventSharing
{
    /// <summary>Distinct strings pooled at most; past it new ones stay unpooled (event types are user input).</summary>
    public const int MaxPooledStrings = 10_000;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);
    private static int _pooled; // ConcurrentDictionary.Count takes every lock

    /// <summary>
    /// <paramref name="e"/> with its identities taken from <paramref name="neighbour"/> where they are equal
    /// (the whole array when all are), and its type, channel and campaign pooled.
    /// </summary>
    public static CustomerEvent ShareWith(CustomerEvent e, CustomerEvent? neighbour)
    {
        var identities = neighbour is null ? e.Identities : ShareIdentities(e.Identities, neighbour.Identities);
        var type = Pooled(e.Type);
        var channel = e.Channel is null ? null : Pooled(e.Channel);
        var campaign = e.Campaign is null ? null : Pooled(e.Campaign);
        if (identities == e.Identities && ReferenceEquals(type, e.Type) && ReferenceEquals(channel, e.Channel) && ReferenceEquals(campaign, e.Campaign))
            return e;
        return e with { Identities = identities, Type = type, Channel = channel, Campaign = campaign };
    }

    private static ImmutableArray<IdentityKey> ShareIdentities(ImmutableArray<IdentityKey> own, ImmutableArray<IdentityKey> theirs)
    {
        if (own.IsDefaultOrEmpty || theirs.IsDefaultOrEmpty || own == theirs) return own;
        if (own.SequenceEqual(theirs)) return theirs;
        IdentityKey[]? shared = null;
        for (var i = 0; i < own.Length; i++)
        {
            foreach (var candidate in theirs)
            {
                if (ReferenceEquals(candidate, own[i]) || !candidate.Equals(own[i])) continue;
                shared ??= [.. own];
                shared[i] = candidate;
                break;
            }
        }
        return shared is null ? own : ImmutableCollectionsMarshal.AsImmutableArray(shared);
    }

    private static string Pooled(string value)
    {
        if (Pool.TryGetValue(value, out var pooled)) return pooled;
        if (Volatile.Read(ref _pooled) >= MaxPooledStrings) return value;
        if (Pool.TryAdd(value, value))
        {
            Interlocked.Increment(ref _pooled);
            return value;
        }
        return Pool.TryGetValue(value, out pooled) ? pooled : value;
    }
}
