namespace ProfileGrid.Segments.UnitTests.Support;

/// <summary>Hand-built profiles at a fixed instant, so every window boundary in the tests is exact.</summary>
internal static class Profiles
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static JsonElement Json(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    public static SegmentEvent Event(
        string type,
        DateTimeOffset at,
        string? channel = null,
        string? campaign = null,
        double? revenue = null,
        string? attributes = null) =>
        new(type, at, channel, campaign, revenue, attributes is null ? default : Json(attributes));

    public static SegmentEvent Purchase(DateTimeOffset at, string category = "yoga", double revenue = 50) =>
        Event("commerce.purchase", at, channel: "web", revenue: revenue, attributes: $$"""{"category":"{{category}}"}""");

    public static SegmentSubject Subject(
        string traits = "{}",
        IEnumerable<SegmentEvent>? events = null,
        ProfileStatsView stats = default,
        IEnumerable<string>? identities = null,
        IEnumerable<string>? segments = null) =>
        new()
        {
            Traits = Json(traits),
            Events = (events ?? []).ToList(),
            Stats = stats,
            IdentityNamespaces = new HashSet<string>(identities ?? []),
            Segments = new HashSet<string>(segments ?? []),
        };

    /// <summary>Sarah, the Luma plus member of the use-case documents, who bought yoga gear at <paramref name="lastYogaPurchase"/>.</summary>
    public static SegmentSubject Sarah(DateTimeOffset lastYogaPurchase) => Subject(
        traits: """{"loyaltyTier":"plus","country":"US","firstName":"Sarah"}""",
        events:
        [
            Event("commerce.productView", lastYogaPurchase.AddMinutes(-20), channel: "web", attributes: """{"category":"yoga"}"""),
            Event("commerce.addToCart", lastYogaPurchase.AddMinutes(-10), channel: "web", attributes: """{"category":"yoga"}"""),
            Purchase(lastYogaPurchase),
        ],
        stats: new ProfileStatsView { EventCount = 3, PurchaseCount = 1, LifetimeRevenue = 50, LastPurchaseAt = lastYogaPurchase },
        identities: ["email", "ecid"]);

    public static bool Matches(string expression, ISegmentSubject subject, DateTimeOffset? now = null) =>
        SegmentCompiler.Compile(expression).Evaluate(subject, now ?? Now);
}
