using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ProfileGrid.Storage.Postgres.EventLog;

namespace ProfileGrid.Storage;

/// <summary>A profile as re-derived from the event log alone.</summary>
/// <param name="Identities">Every identity reachable from the starting ones through events that carried them together, in the rules' order.</param>
/// <param name="Timeline">The newest events (at most <c>ProfileGrid:Profiles:MaxEventsPerProfile</c>), oldest first.</param>
/// <param name="Stats">Stats over every event, kept or not.</param>
/// <param name="EventsDropped">Events older than the kept timeline.</param>
/// <param name="Traits">The traits the observations made through those identities give (newest per attribute).</param>
public sealed record RebuiltProfile(
    ImmutableArray<IdentityKey> Identities,
    ImmutableArray<CustomerEvent> Timeline,
    ProfileStats Stats,
    long EventsDropped,
    TraitSet Traits);

/// <summary>
/// Re-derives a profile from the facts: reads the log by identity, follows the identities each event
/// carried until no new one appears (the connected component the live stitching built), and computes
/// the timeline and stats from those events, and the traits from the trait observations made through
/// those identities. What the live profile holds must equal this; that is what makes profiles disposable.
/// </summary>
/// <remarks>
/// Profiles whose graph hit a limit or a unique-namespace conflict (links kept out of the graph on
/// purpose) are re-derived without those rules. A trait observation stored by a call that then failed
/// (never acknowledged) is in the rebuild and may be missing from the live profile until it is sent again.
/// </remarks>
public sealed class ProfileRebuilder(PostgresEventLog log, PostgresTraitLog traitLog, IdentityRules rules, IOptions<ProfileOptions> options)
{
    public async Task<RebuiltProfile> Rebuild(IReadOnlyCollection<IdentityKey> identities, CancellationToken cancellationToken = default)
    {
        var known = new HashSet<IdentityKey>(identities);
        var frontier = identities.ToList();
        var events = new Dictionary<string, (long Sequence, CustomerEvent Event)>(StringComparer.Ordinal);
        while (frontier.Count > 0)
        {
            var next = new List<IdentityKey>();
            await foreach (var stored in log.ReadByIdentitiesAsync([.. frontier.Select(i => new EventIdentity(i.Namespace, i.Value))], cancellationToken: cancellationToken))
            {
                if (events.ContainsKey(stored.Event.EventId)) continue;
                var e = EventLogMapping.FromLog(stored);
                events[e.Id] = (stored.Sequence, e);
                foreach (var identity in e.Identities)
                    if (known.Add(identity)) next.Add(identity);
            }
            frontier = next;
        }

        // Arrival order within equal timestamps, as the live timeline inserts them.
        var ordered = events.Values.OrderBy(v => v.Event.Timestamp).ThenBy(v => v.Sequence).Select(v => v.Event).ToList();
        var kept = Math.Min(ordered.Count, options.Value.MaxEventsPerProfile);
        var traits = new TraitSet();
        foreach (var observation in await traitLog.ReadByIdentitiesAsync([.. known.Select(i => new EventIdentity(i.Namespace, i.Value))], cancellationToken))
            traits.Upsert(JsonNode.Parse(observation.TraitsJson)!.AsObject(), observation.ObservedAt, new IdentityKey(observation.Identity.Namespace, observation.Identity.Value));
        return new RebuiltProfile(
            [.. known.Order(Comparer<IdentityKey>.Create(rules.Compare))],
            [.. ordered.Skip(ordered.Count - kept)],
            ProfileStats.From(ordered),
            ordered.Count - kept,
            traits);
    }
}
