using System.Runtime.InteropServices;
namespace ProfileGrid.Identity;

/// <summary>What the grid knows about a profile when it plans where an event goes.</summary>
public sealed record ProfileIdentitySummary(string ProfileId, ImmutableArray<IdentityKey> UniqueIdentities);

/// <summary>An identity of the event that is not linked, and why.</summary>
[GenerateSerializer, Immutable]
public sealed record SkippedIdentity([property: Id(0)] IdentityKey Identity, [property: Id(1)] string Reason);

/// <summary>A device identity that moves from one person to another (the shared-device rule).</summary>
public sealed record Relink(IdentityKey Identity, string FromProfileId);

/// <summary>
/// The decision for one event: the profile that receives it (<see cref="TargetProfileId"/> null means a
/// new profile), the profiles that merge into it, the devices that move to it, the unowned identities it
/// claims, the identities linked by the event, and the ones not linked with the reason.
/// </summary>
public sealed record StitchPlan(
    string? TargetProfileId,
    ImmutableArray<string> Merges,
    ImmutableArray<Relink> Relinks,
    ImmutableArray<IdentityKey> Claims,
    ImmutableArray<IdentityKey> Linked,
    ImmutableArray<SkippedIdentity> Skipped);

/// <summary>
/// The stitching rules of DESIGN.md as a pure function: identities that arrive together are linked,
/// except that a link which would put two different identities of a unique namespace into one graph
/// is never applied as a merge. A shared device then follows the person who authenticated on it most
/// recently; an authenticated identity that conflicts is left unlinked and reported.
/// </summary>
public sealed class StitchPlanner(IdentityRules rules)
{
    /// <param name="identities">The event's identities, normalised and distinct.</param>
    /// <param name="owners">The profile each identity points at now (absent or null: none).</param>
    /// <param name="profiles">The unique identities of every profile named in <paramref name="owners"/>.</param>
    public StitchPlan Plan(
        IReadOnlyCollection<IdentityKey> identities,
        IReadOnlyDictionary<IdentityKey, string?> owners,
        IReadOnlyDictionary<string, ProfileIdentitySummary> profiles)
    {
        var ordered = identities.Order(Comparer<IdentityKey>.Create(rules.Compare)).ToList();
        if (ordered.Count == 0) throw new ArgumentException("An event needs at least one identity.", nameof(identities));
        var authenticated = ordered.Any(rules.IsUnique);

        string? OwnerOf(IdentityKey key) => owners.TryGetValue(key, out var owner) ? owner : null;
        ImmutableArray<IdentityKey> UniquesOf(string profileId) =>
            profiles.TryGetValue(profileId, out var summary) ? summary.UniqueIdentities : [];

        var primary = ordered[0];
        var target = OwnerOf(primary);
        var joined = new HashSet<string>(StringComparer.Ordinal);
        if (target is not null) joined.Add(target);

        // The unique identities the receiving person will hold, namespace -> identity.
        var held = new Dictionary<string, IdentityKey>(StringComparer.Ordinal);
        void Hold(IEnumerable<IdentityKey> keys) { foreach (var k in keys) if (rules.IsUnique(k)) held[k.Namespace] = k; }
        if (target is not null) Hold(UniquesOf(target));
        Hold([primary]);

        var merges = ImmutableArray.CreateBuilder<string>();
        var relinks = ImmutableArray.CreateBuilder<Relink>();
        var claims = ImmutableArray.CreateBuilder<IdentityKey>();
        var linked = ImmutableArray.CreateBuilder<IdentityKey>();
        var skipped = ImmutableArray.CreateBuilder<SkippedIdentity>();
        linked.Add(primary);
        if (target is null) claims.Add(primary);

        foreach (var identity in ordered.Skip(1))
        {
            var owner = OwnerOf(identity);
            if (owner is not null && joined.Contains(owner))
            {
                linked.Add(identity);
                continue;
            }
            if (owner is null)
            {
                if (Conflict(held, [identity]) is { } clash)
                {
                    skipped.Add(new SkippedIdentity(identity, $"not linked: the person already has {clash} and {identity.Namespace} is unique"));
                    continue;
                }
                claims.Add(identity);
                linked.Add(identity);
                Hold([identity]);
                continue;
            }

            var theirs = UniquesOf(owner);
            if (Conflict(held, theirs) is null)
            {
                merges.Add(owner);
                joined.Add(owner);
                target ??= owner;
                Hold(theirs);
                linked.Add(identity);
            }
            else if (!rules.IsUnique(identity) && authenticated)
            {
                relinks.Add(new Relink(identity, owner));
                linked.Add(identity);
            }
            else
            {
                var clash = Conflict(held, theirs)!;
                skipped.Add(new SkippedIdentity(identity, authenticated
                    ? $"not linked: {identity} belongs to a person with another {clash.Namespace} than {clash}"
                    : $"not linked: {identity} belongs to another authenticated person and this event is anonymous"));
            }
        }

        // Merges run from the lower profile id to the higher one: the lowest id survives.
        var allExisting = joined.Order(StringComparer.Ordinal).ToList();
        string? survivor = allExisting.Count > 0 ? allExisting[0] : null;
        var mergeOrder = allExisting.Skip(1).ToImmutableArray();
        return new StitchPlan(survivor, mergeOrder, relinks.ToImmutable(), claims.ToImmutable(), linked.ToImmutable(), skipped.ToImmutable());
    }

    /// <summary>The first held unique identity that differs from one in <paramref name="candidates"/> of the same namespace.</summary>
    private IdentityKey? Conflict(Dictionary<string, IdentityKey> held, IEnumerable<IdentityKey> candidates)
    {
        foreach (var candidate in candidates)
        {
            if (!rules.IsUnique(candidate)) continue;
            if (held.TryGetValue(candidate.Namespace, out var existing) && !existing.Equals(candidate)) return existing;
        }
        return null;
    }

    /// <summary>The identities strongest first, as <see cref="StitchPlan.Linked"/> lists them.</summary>
    public ImmutableArray<IdentityKey> Order(IEnumerable<IdentityKey> identities) => Sorted([.. identities]);

    /// <inheritdoc cref="Order(IEnumerable{IdentityKey})"/>
    public ImmutableArray<IdentityKey> Order(ImmutableArray<IdentityKey> identities) => Sorted([.. identities]);

    /// <summary>The strongest identity of <paramref name="identities"/> (the first of <see cref="Order(ImmutableArray{IdentityKey})"/>).</summary>
    public IdentityKey Primary(ImmutableArray<IdentityKey> identities) => rules.Primary(identities);

    /// <summary>Sorts in place, stably (an event has a handful of identities: insertion sort), and hands the array over.</summary>
    private ImmutableArray<IdentityKey> Sorted(IdentityKey[] keys)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            var key = keys[i];
            var j = i - 1;
            for (; j >= 0 && rules.Compare(keys[j], key) > 0; j--) keys[j + 1] = keys[j];
            keys[j + 1] = key;
        }
        return ImmutableCollectionsMarshal.AsImmutableArray(keys);
    }

    /// <summary>True when two sets of unique identities can be one person.</summary>
    public bool Compatible(IEnumerable<IdentityKey> a, IEnumerable<IdentityKey> b)
    {
        var held = new Dictionary<string, IdentityKey>(StringComparer.Ordinal);
        foreach (var k in a) if (rules.IsUnique(k)) held[k.Namespace] = k;
        return Conflict(held, b) is null;
    }
}
