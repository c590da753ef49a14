using System.Globalization;

namespace ProfileGrid.Profiles;

/// <summary>
/// Profile ids: version 7 GUIDs in 32 lower-case hex digits, whose first twelve digits are the milliseconds since
/// the Unix epoch at which the id was minted (by the minting silo's system clock), so ids sort by minting time: the
/// older of two profiles is the lower id and survives their merge, and a segment's batch walk can leave out the
/// profiles minted after it began.
/// </summary>
public static class ProfileIds
{
    private const int TimestampDigits = 12;

    /// <summary>A new id, minted now.</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// Whether <paramref name="profileId"/> was minted after <paramref name="moment"/> by the minting silo's clock;
    /// false for an id that is not a version 7 GUID (an id of another form is never taken for a new one).
    /// </summary>
    public static bool MintedAfter(string profileId, DateTimeOffset moment) =>
        MintedAt(profileId) is { } minted && minted > moment;

    /// <summary>When a version 7 id was minted (to the millisecond), or null for an id of another form.</summary>
    public static DateTimeOffset? MintedAt(string profileId)
    {
        // The thirteenth digit is the GUID's version.
        if (profileId.Length != 32 || profileId[TimestampDigits] != '7' || !profileId.All(char.IsAsciiHexDigitLower)) return null;
        var milliseconds = long.Parse(profileId.AsSpan(0, TimestampDigits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }
}
