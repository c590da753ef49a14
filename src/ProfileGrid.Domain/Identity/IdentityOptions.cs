namespace ProfileGrid.Identity;

/// <summary>How one identity namespace takes part in stitching.</summary>
public sealed class IdentityNamespaceSettings
{
    /// <summary>At most one identity of a unique namespace may be in one person's graph.</summary>
    public bool Unique { get; set; }

    /// <summary>Lower is stronger. An event belongs to its highest-priority (lowest number) identity.</summary>
    public int Priority { get; set; } = 100;
}

/// <summary>Identity stitching configuration, bound from <c>ProfileGrid:Identity</c>.</summary>
public sealed class IdentityOptions
{
    public const string Section = "ProfileGrid:Identity";

    /// <summary>
    /// Known namespaces. Configuration adds to (or overrides) the defaults, so a custom namespace is
    /// one line: <c>ProfileGrid:Identity:Namespaces:partnerId:Priority=5</c>.
    /// </summary>
    public Dictionary<string, IdentityNamespaceSettings> Namespaces { get; set; } = new(StringComparer.Ordinal)
    {
        ["crmId"] = new() { Unique = true, Priority = 1 },
        ["loyaltyId"] = new() { Unique = true, Priority = 2 },
        ["email"] = new() { Unique = true, Priority = 3 },
        ["phone"] = new() { Unique = true, Priority = 4 },
        ["ecid"] = new() { Unique = false, Priority = 10 },
    };

    /// <summary>Identities one person's graph may hold; past it the oldest link is dropped and reported.</summary>
    public int MaxIdentitiesPerGraph { get; set; } = 50;

    /// <summary>Longest identity value accepted, in characters, after normalisation.</summary>
    public int MaxValueLength { get; set; } = 256;

    /// <summary>Region used to read phone numbers written without a country code.</summary>
    public string DefaultPhoneRegion { get; set; } = "US";

    /// <summary>Values that are never an identity (compared case-insensitively after trimming).</summary>
    public List<string> BlockedValues { get; set; } =
        ["null", "nil", "none", "undefined", "anonymous", "unknown", "n/a", "na", "test", "[object object]", "-"];
}
