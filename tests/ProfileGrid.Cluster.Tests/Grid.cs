namespace ProfileGrid.Cluster.Tests;

/// <summary>Test helpers that talk to the grid the way the API does.</summary>
public static class Grid
{
    private static readonly DateTimeOffset Base = DateTimeOffset.UtcNow.AddDays(-10);
    private static int _sequence;

    public static RawEvent Event(string type, params (string Ns, string Id)[] identities) => Event(type, null, identities);

    public static RawEvent Event(string type, DateTimeOffset? at, params (string Ns, string Id)[] identities) => new()
    {
        Id = $"evt-{Guid.NewGuid():N}",
        Type = type,
        Timestamp = (at ?? Base.AddSeconds(Interlocked.Increment(ref _sequence))).ToString("O"),
        Identities = [.. identities.Select(i => new RawIdentity(i.Ns, i.Id))],
        Channel = "web",
    };

    public static async Task<IngestResult> Ingest(this IGrainFactory grains, params RawEvent[] events)
    {
        var result = await grains.GetGrain<IIngestGrain>(0).Ingest([.. events]);
        return result;
    }

    public static async Task IngestAccepted(this IGrainFactory grains, params RawEvent[] events)
    {
        var result = await grains.Ingest(events);
        Assert.Empty(result.Rejected);
        Assert.Equal(events.Length, result.Accepted);
    }

    /// <summary>The surviving profile an identity belongs to, or null.</summary>
    public static async Task<ProfileView?> Lookup(this IGrainFactory grains, string ns, string id, int lastEvents = int.MaxValue)
    {
        var key = IdentityRules.Default.Normalize(ns, id);
        var owner = await grains.GetGrain<IIdentityGrain>(key.ToString()).GetOwner();
        return owner is null ? null : await grains.ById(owner, lastEvents);
    }

    public static async Task<ProfileView?> ById(this IGrainFactory grains, string profileId, int lastEvents = int.MaxValue)
    {
        for (var hop = 0; hop < 64; hop++)
        {
            var (view, mergedInto) = await grains.GetGrain<IProfileGrain>(profileId).GetView(new ProfileViewRequest(LastEvents: lastEvents));
            if (mergedInto is null) return view;
            profileId = mergedInto;
        }
        throw new InvalidOperationException("merge chain too long");
    }

    public static string[] Ids(this ProfileView view) => [.. view.Identities.Select(i => i.ToString()).Order()];
}
