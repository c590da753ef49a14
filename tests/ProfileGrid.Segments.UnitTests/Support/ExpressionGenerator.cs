using System.Globalization;
using System.Text;

namespace ProfileGrid.Segments.UnitTests.Support;

/// <summary>
/// Generates random, well-typed segment expressions from the grammar (every form and operator), with random
/// spacing and line breaks, and random profiles to evaluate them on. Seeded, so a failure is reproducible.
/// </summary>
internal sealed class ExpressionGenerator(int seed)
{
    private static readonly string[] EventTypes = ["commerce.purchase", "commerce.productView", "commerce.addToCart", "email.open", "x"];
    private static readonly string[] Channels = ["web", "email", "push", "sms"];
    private static readonly string[] Texts = ["plus", "US", "CA", "yoga", "", "a\"b", "back\\slash", "new\nline", "tab\t", "é€😀", "commerce.", "Plus"];
    private static readonly string[] Numbers = ["0", "1", "-3", "12.5", "1e3", "2.5E-2", "100", "0.001", "-0.5"];
    private static readonly string[] Dates = ["2026-01-31", "2026-02-10T08:30:00Z", "2026-02-10T08:30:00+02:00", "2026-02-27T23:59:59.125Z", "2025-12-31T10:00Z"];
    private static readonly string[] Units = ["s", "m", "h", "d", "w"];
    private static readonly string[] TraitNames = ["loyaltyTier", "country", "age", "vip", "tags", "address.city", "signupDate", "missing"];

    /// <summary>The windows <see cref="WindowedCondition"/> uses, so tests can enumerate every instant a result may change.</summary>
    public static readonly TimeSpan[] Windows =
        [TimeSpan.FromHours(1), TimeSpan.FromHours(12), TimeSpan.FromDays(1), TimeSpan.FromDays(3), TimeSpan.FromDays(7), TimeSpan.FromDays(30)];

    private static readonly string[] WindowTexts = ["1h", "12h", "1d", "3d", "7d", "30d"];

    private readonly Random _random = new(seed);

    public string Condition() => Condition(0);

    /// <summary>A random combination of time-windowed conditions (every form whose result changes with time).</summary>
    public string WindowedCondition(int depth = 0)
    {
        string Window() => Pick(WindowTexts);
        string Filter() => Pick(["type = \"commerce.purchase\"", "type in [\"commerce.productView\", \"x\"]", "channel = \"web\"", "revenue > 50", "type = \"email.open\" or channel = \"push\""]);
        return _random.Next(depth < 3 ? 10 : 6) switch
        {
            0 => $"exists(events where {Filter()} within {Window()})",
            1 => $"count(events where {Filter()} within {Window()}) {Pick([">=", "<", "=", ">"])} {_random.Next(4)}",
            2 => $"{Pick(["sum", "max", "avg"])}(revenue of events within {Window()}) {Pick([">", "<="])} {_random.Next(0, 300)}",
            3 => $"sequence(events where {Filter()}, events where {Filter()}) within {Window()}",
            4 => $"min(timestamp of events within {Window()}) < date(\"2026-02-20\")",
            5 => Pick(["traits.vip", "hasIdentity(\"email\")", "exists(events where type = \"x\")"]),
            6 => $"not ({WindowedCondition(depth + 1)})",
            7 or 8 => $"({WindowedCondition(depth + 1)}) and ({WindowedCondition(depth + 1)})",
            _ => $"({WindowedCondition(depth + 1)}) or ({WindowedCondition(depth + 1)})",
        };
    }

    private string Condition(int depth)
    {
        var choice = _random.Next(depth < 3 ? 22 : 16);
        return choice switch
        {
            0 => $"traits.{Pick(TraitNames)}{Space()}{Pick(["=", "!=", "<", "<=", ">", ">="])}{Space()}{AnyLiteralExceptBoolean()}",
            1 => $"traits.{Pick(TraitNames)} in [{string.Join(", ", Repeat(() => Quote(Pick(Texts))))}]",
            2 => $"traits.{Pick(TraitNames)} {Pick(["contains", "startsWith"])} {Quote(Pick(Texts))}",
            3 => $"stats.{Pick(["eventCount", "purchaseCount", "lifetimeRevenue"])} {Pick(["=", "!=", "<", "<=", ">", ">="])} {Pick(Numbers)}",
            4 => $"stats.{Pick(["firstSeen", "lastSeen", "lastPurchaseAt"])} {Pick(["=", "<", ">=", ">"])} {Date()}",
            5 => $"stats.mostEngagedChannel {Pick(["=", "!=", "contains", "startsWith"])} {Quote(Pick(Channels))}",
            6 => $"count({EventSet(depth, window: true)}){Space()}{Pick([">=", ">", "=", "<"])}{Space()}{_random.Next(4)}",
            7 => $"{Pick(["sum", "avg", "min", "max"])}({Pick(["revenue", "attributes.price"])} of {EventSet(depth, window: true)}) {Pick([">", "<=", "!="])} {Pick(Numbers)}",
            8 => $"{Pick(["min", "max"])}(timestamp of {EventSet(depth, window: true)}) {Pick(["<", ">"])} {Date()}",
            9 => $"exists({EventSet(depth, window: true)})",
            10 => Pick(["exists(traits.loyaltyTier)", "exists(traits.address.city)", "exists(stats.lastPurchaseAt)", "traits.vip", "true", "false"]),
            11 => $"hasIdentity({Quote(Pick(["email", "phone", "crmId"]))})",
            12 => $"inSegment({Quote(Pick(["luma-plus", "seg-b"]))})",
            13 => Sequence(depth),
            14 => $"stats.mostEngagedChannel in [{string.Join(", ", Repeat(() => Quote(Pick(Channels))))}]",
            15 => $"traits.{Pick(TraitNames)} = {Pick(["true", "false"])}",
            16 or 17 => string.Join($"{Space()}and{Space()}", Repeat(() => Operand(depth))),
            18 or 19 => string.Join($"{Space()}or{Space()}", Repeat(() => Operand(depth))),
            20 => $"not {Operand(depth)}",
            _ => $"({Condition(depth + 1)})",
        };
    }

    private string Operand(int depth)
    {
        var inner = Condition(depth + 1);
        return inner.Contains(" and ", StringComparison.Ordinal) || inner.Contains(" or ", StringComparison.Ordinal)
            || inner.Contains("\nand", StringComparison.Ordinal) || inner.Contains("\nor", StringComparison.Ordinal)
            || inner.StartsWith("not", StringComparison.Ordinal)
            ? $"({inner})"
            : inner;
    }

    private string Sequence(int depth)
    {
        var steps = Repeat(() => EventSet(depth, window: false));
        if (steps.Length < 2)
        {
            steps = [.. steps, EventSet(depth, window: false)];
        }

        var window = _random.Next(3) == 0 ? string.Empty : $" within {Duration()}";
        return $"sequence({string.Join(", ", steps)}){window}";
    }

    private string EventSet(int depth, bool window)
    {
        var text = new StringBuilder("events");
        if (_random.Next(5) != 0)
        {
            text.Append(" where ").Append(EventCondition(depth + 1));
        }

        if (window && _random.Next(2) == 0)
        {
            text.Append(Space()).Append("within ").Append(Duration());
        }

        return text.ToString();
    }

    private string EventCondition(int depth)
    {
        var choice = _random.Next(depth < 4 ? 13 : 9);
        return choice switch
        {
            0 => $"type = {Quote(Pick(EventTypes))}",
            1 => $"type in [{string.Join(", ", Repeat(() => Quote(Pick(EventTypes))))}]",
            2 => $"channel {Pick(["=", "!="])} {Quote(Pick(Channels))}",
            3 => $"revenue {Pick(["=", "<", ">", ">="])} {Pick(Numbers)}",
            4 => $"timestamp {Pick(["<", ">="])} {Date()}",
            5 => $"attributes.{Pick(["category", "price", "flag", "nested.level"])} {Pick(["=", "!=", ">"])} {AnyLiteralExceptBoolean()}",
            6 => $"campaign {Pick(["startsWith", "contains"])} {Quote(Pick(["spring", "s", ""]))}",
            7 => Pick(["exists(attributes.coupon)", "attributes.flag", "exists(revenue)", "exists(channel)"]),
            8 => $"{Quote(Pick(EventTypes))} = type",
            9 => $"{EventOperand(depth)} and {EventOperand(depth)}",
            10 => $"{EventOperand(depth)} or {EventOperand(depth)}",
            11 => $"not {EventOperand(depth)}",
            _ => $"({EventCondition(depth + 1)})",
        };
    }

    private string EventOperand(int depth)
    {
        var inner = EventCondition(depth + 1);
        return inner.Contains(" and ", StringComparison.Ordinal) || inner.Contains(" or ", StringComparison.Ordinal) || inner.StartsWith("not", StringComparison.Ordinal)
            ? $"({inner})"
            : inner;
    }

    private string AnyLiteralExceptBoolean() => _random.Next(3) switch
    {
        0 => Quote(Pick(Texts)),
        1 => Pick(Numbers),
        _ => Date(),
    };

    private string Date() => $"date(\"{Pick(Dates)}\")";

    private string Duration() => $"{_random.Next(1, 60)}{Pick(Units)}";

    private string Space() => _random.Next(8) switch
    {
        0 => "\n  ",
        1 => "\t",
        2 => "  ",
        _ => " ",
    };

    private string[] Repeat(Func<string> item) => Enumerable.Range(0, _random.Next(1, 4)).Select(_ => item()).ToArray();

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    /// <summary>Writes a string literal with its own escaping (independent of the library's printer).</summary>
    private string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => _random.Next(2) == 0 ? "\\\\" : "\\u005c",
                '\n' => "\\n",
                '\t' => "\\t",
                _ when c > 127 && _random.Next(2) == 0 => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
    }

    /// <summary>A random profile: events around <see cref="Profiles.Now"/> (some in the future, some out of order), random traits.</summary>
    public SegmentSubject Subject()
    {
        var events = Enumerable.Range(0, _random.Next(0, 12))
            .Select(_ => new SegmentEvent(
                Pick(EventTypes),
                Profiles.Now.AddMinutes(-_random.Next(-120, 60 * 24 * 70)),
                _random.Next(4) == 0 ? null : Pick(Channels),
                _random.Next(3) == 0 ? null : Pick(["spring-sale", "summer", "s"]),
                _random.Next(3) == 0 ? null : Math.Round(_random.NextDouble() * 200, 2),
                _random.Next(4) == 0 ? default : Profiles.Json(RandomAttributes())))
            .ToList();
        if (_random.Next(2) == 0)
        {
            events.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
        }

        return new SegmentSubject
        {
            Traits = Profiles.Json(RandomTraits()),
            Events = events,
            Stats = new ProfileStatsView
            {
                EventCount = events.Count,
                PurchaseCount = _random.Next(5),
                LifetimeRevenue = _random.Next(500),
                FirstSeen = _random.Next(3) == 0 ? null : Profiles.Now.AddDays(-_random.Next(400)),
                LastSeen = Profiles.Now.AddHours(-_random.Next(100)),
                LastPurchaseAt = _random.Next(2) == 0 ? null : Profiles.Now.AddDays(-_random.Next(90)),
                MostEngagedChannel = _random.Next(4) == 0 ? null : Pick(Channels),
            },
            IdentityNamespaces = new HashSet<string>(Repeat(() => Pick(["email", "phone", "ecid"]))),
            Segments = new HashSet<string>(Repeat(() => Pick(["luma-plus", "other"]))),
        };
    }

    private string RandomAttributes() => _random.Next(4) switch
    {
        0 => """{"category":"yoga","price":25,"flag":true,"coupon":"SAVE"}""",
        1 => """{"category":3,"price":"cheap","nested":{"level":2}}""",
        2 => """{"category":"run\"ning","coupon":null,"flag":false}""",
        _ => "{}",
    };

    private string RandomTraits() => _random.Next(4) switch
    {
        0 => """{"loyaltyTier":"plus","country":"US","age":34,"vip":true,"tags":["yoga","plus"],"address":{"city":"Paris"},"signupDate":"2026-01-31T00:00:00Z"}""",
        1 => """{"loyaltyTier":3,"country":null,"age":"old","vip":"yes","tags":"yoga","address":"none"}""",
        2 => """{"loyaltyTier":"é€😀","country":"CA","age":-0.5,"signupDate":"2026-02-10T08:30:00+02:00","tags":[1,"US"]}""",
        _ => "{}",
    };
}
