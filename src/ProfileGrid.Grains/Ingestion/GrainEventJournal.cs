using ProfileGrid.Hosting;

namespace ProfileGrid.Ingestion;

/// <summary>
/// The embedded default's journal: event ids claimed in <see cref="EventIdShardGrain"/>s, kept as
/// long as the process lives. Nothing is stored beyond the profiles themselves.
/// </summary>
public sealed class GrainEventJournal(IGrainFactory grains) : IEventJournal
{
    /// <summary>Nothing to record: in memory, the profile is the only copy of its traits.</summary>
    public Task<long?> RecordTraits(IdentityKey identity, string traitsJson, DateTimeOffset observedAt) => Task.FromResult<long?>(null);

    public Task TraitsRefused(long receipt) => Task.CompletedTask;

    public async Task<IReadOnlyList<JournalAnswer>> Record(IReadOnlyList<CustomerEvent> events)
    {
        var answers = new JournalAnswer[events.Count];
        var byShard = Enumerable.Range(0, events.Count).GroupBy(i => EventIdShardGrain.ShardOf(events[i].Id)).ToList();
        await Task.WhenAll(byShard.Select(async shard =>
        {
            var indexes = shard.ToArray();
            var isNew = await grains.EventIds(shard.Key).TryClaim([.. indexes.Select(i => events[i].Id)]);
            for (var n = 0; n < indexes.Length; n++)
                answers[indexes[n]] = isNew[n] ? new JournalAnswer(JournalOutcome.Apply, StoredNow: true) : new JournalAnswer(JournalOutcome.Duplicate);
        }));
        return answers;
    }

    public Task Applied(IReadOnlyList<string> eventIds) => Task.CompletedTask;

    /// <summary>None: in memory, a profile lost with its silo is lost whole.</summary>
    public Task<IReadOnlyList<CustomerEvent>> LostEventsOf(IReadOnlyCollection<IdentityKey> identities, TimeSpan heldFor) => NoEvents;

    private static readonly Task<IReadOnlyList<CustomerEvent>> NoEvents = Task.FromResult<IReadOnlyList<CustomerEvent>>([]);

    public Task Failed(IReadOnlyList<string> eventIds) =>
        Task.WhenAll(eventIds.GroupBy(EventIdShardGrain.ShardOf)
            .Select(shard => grains.EventIds(shard.Key).Release([.. shard])));
}
