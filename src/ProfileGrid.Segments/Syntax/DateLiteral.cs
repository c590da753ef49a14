namespace ProfileGrid.Segments.Syntax;

/// <summary>
/// The accepted forms of <c>date("...")</c>: a calendar day (midnight UTC) or an instant with an explicit
/// offset. A time without an offset is refused because it would mean a different instant on each server.
/// </summary>
internal static class DateLiteral
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm'Z'",
        "yyyy-MM-dd'T'HH:mm:ss'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mmzzz",
        "yyyy-MM-dd'T'HH:mm:sszzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
    ];

    public const string Expected = "a date such as \"2026-01-31\" or \"2026-01-31T09:30:00Z\" (a time needs 'Z' or an offset such as +02:00)";

    public static bool TryParse(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);

    public static string Format(long utcTicks) =>
        new DateTime(utcTicks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
