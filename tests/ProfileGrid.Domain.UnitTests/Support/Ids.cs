namespace ProfileGrid.Domain.UnitTests.Support;

/// <summary>Short spellings for identities in tables: <c>"crmId:A"</c> is the key (crmId, A).</summary>
public static class Ids
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>One key, written <c>namespace:value</c> with an already normalised value.</summary>
    public static IdentityKey K(string key) => IdentityKey.Parse(key);

    /// <summary>Keys separated by spaces; empty text is no keys.</summary>
    public static ImmutableArray<IdentityKey> Ks(string keys) =>
        [.. keys.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(K)];

    public static HashSet<IdentityKey> Set(string keys) => [.. Ks(keys)];

    /// <summary>Keys in a stable order, for comparing sets in assertions.</summary>
    public static string Show(IEnumerable<IdentityKey> keys) => string.Join(" ", keys.Order().Select(k => k.ToString()));

    /// <summary>
    /// Keys in the order given, space separated. <see cref="ImmutableArray{T}"/> compares by reference, so
    /// tests compare identity lists through this text.
    /// </summary>
    public static string Line(IEnumerable<IdentityKey> keys) => string.Join(" ", keys);

    /// <summary>Time <paramref name="minutes"/> after <see cref="T0"/>.</summary>
    public static DateTimeOffset At(int minutes) => T0.AddMinutes(minutes);
}
