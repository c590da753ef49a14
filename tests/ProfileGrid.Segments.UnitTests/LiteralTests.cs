using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

public sealed class LiteralTests
{
    [Theory]
    [InlineData("""{"v":"plain"}""", """traits.v = "plain" """)]
    [InlineData("""{"v":"say \"hi\""}""", """traits.v = "say \"hi\"" """)]
    [InlineData("""{"v":"a\\b"}""", """traits.v = "a\\b" """)]
    [InlineData("""{"v":"a/b"}""", """traits.v = "a\/b" """)]
    [InlineData("""{"v":"l1\nl2\tt\r"}""", """traits.v = "l1\nl2\tt\r" """)]
    [InlineData("""{"v":"é"}""", """traits.v = "\u00e9" """)]
    [InlineData("""{"v":"é"}""", """traits.v = "é" """)]
    [InlineData("""{"v":""}""", """traits.v = "" """)]
    public void String_literals_support_json_style_escapes(string traits, string expression) =>
        Assert.True(Matches(expression.TrimEnd(), Subject(traits)));

    [Theory]
    [InlineData("0", 0)]
    [InlineData("42", 42)]
    [InlineData("-3", -3)]
    [InlineData("12.5", 12.5)]
    [InlineData("-0.25", -0.25)]
    [InlineData("1e3", 1000)]
    [InlineData("2.5E-2", 0.025)]
    [InlineData("1E+2", 100)]
    public void Number_literals_are_integers_decimals_and_exponents(string literal, double value)
    {
        var person = Subject($$"""{"v":{{value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}}""");

        Assert.True(Matches($"traits.v = {literal}", person));
        Assert.False(Matches($"traits.v != {literal}", person));
    }

    [Theory]
    [InlineData("2026-01-31", "2026-01-31T00:00:00Z")]
    [InlineData("2026-01-31T09:30Z", "2026-01-31T09:30:00Z")]
    [InlineData("2026-01-31T09:30:15Z", "2026-01-31T09:30:15Z")]
    [InlineData("2026-01-31T09:30:15.5Z", "2026-01-31T09:30:15.5Z")]
    [InlineData("2026-01-31T11:30:15+02:00", "2026-01-31T09:30:15Z")]
    [InlineData("2026-01-31T04:30:15-05:00", "2026-01-31T09:30:15Z")]
    [InlineData("2026-01-31T11:30+02:00", "2026-01-31T09:30:00Z")]
    public void Date_literals_accept_a_day_at_utc_midnight_or_an_instant_with_an_offset(string literal, string instant)
    {
        var person = Subject(stats: new ProfileStatsView { LastSeen = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.True(Matches($"stats.lastSeen = date(\"{literal}\")", person));
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("15m", 15 * 60)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("30d", 30 * 86400)]
    [InlineData("2w", 14 * 86400)]
    public void Duration_units_are_seconds_minutes_hours_days_and_weeks(string duration, int seconds)
    {
        var segment = SegmentCompiler.Compile($"exists(events within {duration})");
        var justInside = Subject(events: [Event("x", Now.AddSeconds(-seconds).AddTicks(1))]);
        var onTheEdge = Subject(events: [Event("x", Now.AddSeconds(-seconds))]);

        Assert.True(segment.Evaluate(justInside, Now));
        Assert.False(segment.Evaluate(onTheEdge, Now));
    }
}
