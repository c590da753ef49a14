using System.Text.Json;
using ProfileGrid.GraphQL.Profiles;

namespace ProfileGrid.Durability.Tests;

/// <summary>
/// A small population that browses anonymously on a device, signs in (linking the device to a CRM
/// id, so profiles merge), and comes back signed in: the merges ingestion must survive.
/// </summary>
public static class People
{
    /// <summary>Events happen over the 30 days before a week ago: in the past, inside every window.</summary>
    private static readonly DateTimeOffset Base = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-37);

    public static string Device(string run, int person) => $"{run}-device-{person}";

    public static string Crm(string run, int person) => $"{run}-crm-{person}";

    /// <summary>An event of one person; the kind of event follows from <paramref name="n"/>.</summary>
    public static RawEvent Event(string run, int person, int n, Random random)
    {
        var (type, identities) = (n % 4) switch
        {
            0 => ("web.pageView", new[] { new RawIdentity("ecid", Device(run, person)) }),
            1 => ("identity.login", new[] { new RawIdentity("ecid", Device(run, person)), new RawIdentity("crmId", Crm(run, person)) }),
            2 => (ProfileStats.PurchaseType, new[] { new RawIdentity("crmId", Crm(run, person)) }),
            _ => ("application.open", new[] { new RawIdentity("crmId", Crm(run, person)) }),
        };
        return new RawEvent
        {
            Id = $"{run}-{Guid.NewGuid():N}",
            Type = type,
            Timestamp = Base.AddSeconds(random.Next(0, 30 * 24 * 3600)).ToString("O"),
            Identities = [.. identities],
            Channel = random.Next(3) switch { 0 => "web", 1 => "mobile", _ => "email" },
            Revenue = type == ProfileStats.PurchaseType ? random.Next(1, 200) : null,
            AttributesJson = $$"""{"n": {{n}}, "sku": "SKU-{{random.Next(100)}}"}""",
        };
    }

    /// <summary>
    /// Event <paramref name="n"/> of a test run: id <c>{run}-{n}</c>, <paramref name="n"/> minutes after this time
    /// yesterday, on the web, with the run as attribute <c>run</c> (for segments that count only this run's events).
    /// </summary>
    public static RawEvent Numbered(string run, int n, string type, params (string Namespace, string Id)[] identities) => new()
    {
        Id = $"{run}-{n}",
        Type = type,
        Timestamp = DateTimeOffset.UtcNow.AddDays(-1).AddMinutes(n).ToString("O"),
        Identities = [.. identities.Select(i => new RawIdentity(i.Namespace, i.Id))],
        Channel = "web",
        AttributesJson = $$"""{"run": "{{run}}"}""",
    };

    /// <summary>A batch of events of random people among <paramref name="people"/>.</summary>
    public static RawEvent[] Batch(string run, int people, int size, Random random) =>
        [.. Enumerable.Range(0, size).Select(_ => Event(run, random.Next(people), random.Next(4), random))];

    /// <summary>The identity an event's person is looked up by: the CRM id when it carried one.</summary>
    public static (string Namespace, string Id) LookupIdentity(RawEvent e) =>
        e.Identities.FirstOrDefault(i => i.Namespace == "crmId") is { } crm ? ("crmId", crm.Id!) : ("ecid", e.Identities[0].Id!);

    /// <summary>A lookup as the API makes it (through <see cref="ProfileGridGateway"/>, remembering no owner: it asks the identity grain), with the whole timeline.</summary>
    public static Task<ProfileView?> Lookup(this IGrainFactory grains, string ns, string id) =>
        new ProfileGridGateway(grains, IdentityRules.Default, new OwnerCache()).Lookup(IdentityRules.Default.Normalize(ns, id), EveryEvent);

    public static Task<ProfileView?> ById(this IGrainFactory grains, string profileId) =>
        new ProfileGridGateway(grains, IdentityRules.Default, new OwnerCache()).ById(profileId, EveryEvent);

    private static readonly ProfileViewRequest EveryEvent = new(LastEvents: int.MaxValue);

    /// <summary>Ingests a batch and fails with every rejection's reason unless all were accepted or duplicates.</summary>
    public static async Task<IngestResult> IngestAll(this IGrainFactory grains, RawEvent[] batch, int ingestKey = 0)
    {
        var result = await grains.GetGrain<IIngestGrain>(ingestKey).Ingest([.. batch]);
        Assert.True(result.Rejected.IsEmpty, string.Join("\n", result.Rejected.Select(r => $"{r.EventId}: {r.Reason}")));
        return result;
    }

    /// <summary>A view as comparable text: every field, in order.</summary>
    public static string Snapshot(ProfileView? view) => JsonSerializer.Serialize(view);
}
