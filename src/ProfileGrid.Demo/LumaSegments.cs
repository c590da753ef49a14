namespace ProfileGrid.Demo;

/// <summary>A segment the demo defines: its id, the name a marketer sees, and its expression.</summary>
public sealed record DemoSegment(string Id, string Name, string Expression);

/// <summary>
/// The segments the Luma demo defines once its events and traits are loaded, one for each shape of
/// the segment language (a trait, a count with an absence window, a recent action without its
/// follow-up, another segment, an identity, a sequence and a windowed sum), so a first look at the
/// grid shows live audiences, memberships and explanations on real stories.
/// </summary>
public static class LumaSegments
{
    public const string PlusMembers = "luma-plus";
    public const string PlusHighValue = "luma-plus-high-value";
    public const string LapsedYogaBrowsers = "luma-lapsed-yoga-browsers";
    public const string CartAbandoners = "luma-cart-abandoners";
    public const string Reachable = "luma-reachable-north-america";
    public const string BrowseToCart = "luma-browse-to-cart";
    public const string BigSpenders = "luma-big-spenders-90d";

    public static IReadOnlyList<DemoSegment> All { get; } =
    [
        new(PlusMembers, "Luma plus members", """traits.loyaltyTier = "plus" """.Trim()),
        new(PlusHighValue, "Plus members who spent over 100", """inSegment("luma-plus") and stats.lifetimeRevenue > 100"""),
        new(LapsedYogaBrowsers, "Looked at yoga gear, no purchase in 30 days",
            """
            count(events where type = "commerce.productView" and attributes.category = "yoga") >= 1
              and not exists(events where type = "commerce.purchase" within 30d)
            """),
        new(CartAbandoners, "Added to cart in the last hour, no purchase since",
            """
            exists(events where type = "commerce.addToCart" within 1h)
              and not exists(events where type = "commerce.purchase" within 1h)
            """),
        new(Reachable, "Reachable by email or living in the US or Canada", """hasIdentity("email") or traits.country in ["US", "CA"]"""),
        new(BrowseToCart, "Viewed a product, then added to cart, within 7 days",
            """sequence(events where type = "commerce.productView", events where type = "commerce.addToCart") within 7d"""),
        new(BigSpenders, "Spent over 200 in the last 90 days", """sum(revenue of events where type = "commerce.purchase" within 90d) > 200"""),
    ];
}
