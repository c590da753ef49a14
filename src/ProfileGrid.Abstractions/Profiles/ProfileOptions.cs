namespace ProfileGrid.Profiles;

/// <summary>Profile limits, bound from <c>ProfileGrid:Profiles</c>.</summary>
public sealed class ProfileOptions
{
    public const string Section = "ProfileGrid:Profiles";

    /// <summary>Events kept on a profile's timeline; older ones are counted in <c>eventsDropped</c>.</summary>
    public int MaxEventsPerProfile { get; set; } = 1000;

    /// <summary>Events a lookup returns when the caller does not say how many.</summary>
    public int DefaultEventsReturned { get; set; } = 50;
}
