namespace ProfileGrid.Demo.Generation;

/// <summary>
/// SplitMix64: a small, fast generator whose sequence is fixed by its seed on every runtime and
/// platform (System.Random's seeded sequence is an implementation detail).
/// </summary>
internal sealed class DemoRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A generator for one sub-stream (for example one person) of a dataset seed.</summary>
    public static DemoRandom For(int seed, int stream, int salt = 0) =>
        new(Mix((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)(uint)stream + 1) ^ Mix((ulong)(uint)salt << 32)));

    public ulong NextULong()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>0 ≤ result &lt; max.</summary>
    public int Next(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return (int)(NextULong() % (ulong)max);
    }

    /// <summary>min ≤ result ≤ maxInclusive.</summary>
    public int Between(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    /// <summary>min ≤ result ≤ maxInclusive.</summary>
    public long Between(long min, long maxInclusive) =>
        min + (long)(NextULong() % (ulong)(maxInclusive - min + 1));

    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Picks by weight; weights need not sum to 1.</summary>
    public T Pick<T>(IReadOnlyList<(T Item, double Weight)> items)
    {
        var total = 0.0;
        foreach (var (_, weight) in items) total += weight;
        var x = NextDouble() * total;
        foreach (var (item, weight) in items)
        {
            if (x < weight) return item;
            x -= weight;
        }
        return items[^1].Item;
    }

    /// <summary>A 38-digit ECID-style device id (no leading zero, never all zeros).</summary>
    public string Ecid()
    {
        Span<char> digits = stackalloc char[38];
        digits[0] = (char)('1' + Next(9));
        for (var i = 1; i < digits.Length; i++) digits[i] = (char)('0' + Next(10));
        return new string(digits);
    }

    /// <summary>Lower-case hex token of the given length, for message and cart ids.</summary>
    public string Hex(int length)
    {
        const string alphabet = "0123456789abcdef";
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < chars.Length; i++) chars[i] = alphabet[Next(16)];
        return new string(chars);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
