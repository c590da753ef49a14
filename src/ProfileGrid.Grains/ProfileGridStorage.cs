namespace ProfileGrid;

/// <summary>Names shared by the grains and the hosts that configure them.</summary>
public static class ProfileGridStorage
{
    /// <summary>The grain storage provider every ProfileGrid grain persists through.</summary>
    public const string Name = "profilegrid";
}
