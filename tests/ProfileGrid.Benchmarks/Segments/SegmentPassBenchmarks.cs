using BenchmarkDotNet.Attributes;
using ProfileGrid.Events;
using ProfileGrid.Identity;
using ProfileGrid.Profiles;
using ProfileGrid.Segments;

namespace ProfileGrid.Benchmarks.Segments;

/// <summary>
/// One evaluation pass of a profile after an event, as the profile grain runs it before acknowledging the event:
/// the segments of the <see cref="BenchmarkSegments"/> mix that the event can
/// affect, over the person's timeline, with no grain or storage around it. One operation is one pass; the events
/// cycle through six types (page views, product views, carts, purchases, email and push opens) over 2,000
/// people whose timelines spread over three days.
/// </summary>
[MemoryDiagnoser]
public class SegmentPassBenchmarks
{
    private const int People = 2_000;
    private const int PassesPerInvoke = 6_000;
    private static readonly string[] Types = ["web.pageView", "commerce.productView", "commerce.addToCart", "commerce.purchase", "email.open", "push.open"];
    private static readonly string[] Channels = ["web", "web", "mobile", "web", "email", "push"];
    private readonly ProfileSegmentSubject _subject = new();
    private LoadedCatalog _catalog = LoadedCatalog.Empty;
    private (ProfileState State, ProfileStats Stats, ProfileSegmentState Memberships, string Id)[] _people = [];
    private ProfileChange[] _changes = [];
    private DateTimeOffset _now;

    [Params(100)]
    public int LiveSegments { get; set; }

    [Params(20, 60)]
    public int EventsPerProfile { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _now = DateTimeOffset.UtcNow;
        var definitions = Enumerable.Range(0, LiveSegments)
            .Select(i => new SegmentDefinition($"bench-{i}", $"Benchmark segment {i}", BenchmarkSegments.Expression(i), 1, _now))
            .ToArray();
        _catalog = LoadedCatalog.From(new SegmentCatalogSnapshot(1, [.. definitions]), LoadedCatalog.Empty);
        var random = new Random(1);
        _people = new (ProfileState, ProfileStats, ProfileSegmentState, string)[People];
        for (var p = 0; p < People; p++)
        {
            var state = new ProfileState();
            var stats = new ProfileStats();
            for (var i = 0; i < EventsPerProfile; i++)
            {
                var e = Event(random.Next(Types.Length), $"e-{p}-{i}", _now.AddMinutes(-random.Next(60 * 24 * 3)));
                state.Events.Add(e);
                stats.Add(e);
            }
            state.Events.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
            var memberships = new ProfileSegmentState();
            MembershipEvaluator.Evaluate($"p-{p}", memberships, _catalog, _subject.Reset(state, stats, _now), ProfileChange.Everything, false, _now);
            _people[p] = (state, stats, memberships, $"p-{p}");
        }
        _changes = [.. Enumerable.Range(0, Types.Length).Select(k => ProfileChange.Event(Event(k, "new", _now)))];
    }

    [Benchmark(OperationsPerInvoke = PassesPerInvoke)]
    public int EvaluatePassAfterAnEvent()
    {
        var changed = 0;
        for (var n = 0; n < PassesPerInvoke; n++)
        {
            var (state, stats, memberships, id) = _people[n % People];
            var delta = MembershipEvaluator.Evaluate(id, memberships, _catalog, _subject.Reset(state, stats, _now), _changes[n % _changes.Length], false, _now);
            changed += delta.Changes.Count;
        }
        return changed;
    }

    private static CustomerEvent Event(int kind, string id, DateTimeOffset at) => new()
    {
        Id = id,
        Type = Types[kind],
        Channel = Channels[kind],
        Timestamp = at,
        Identities = [new IdentityKey("email", $"{id}@bench.example")],
        Revenue = Types[kind] == ProfileStats.PurchaseType ? 25.5 : null,
    };
}
