using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Orleans.Runtime;

namespace ProfileGrid.Storage.Postgres.GrainState;

/// <summary>
/// Where one grain's named state lives in <c>OrleansStorage</c>: the key columns exactly as Orleans'
/// ADO.NET grain storage computes them (schema/postgres/003), so that rows written by either storage
/// are read and updated by the other.
/// </summary>
/// <remarks>
/// The contract, as Orleans' provider (10.x) keys a row: a grain id with a GUID key stores the GUID's
/// 16 bytes as two little-endian 64-bit halves (N0, N1), one with an integer key stores 0 and the
/// integer, and either keeps its key extension in the extension column; any other key stores 0, 0 and
/// the whole key text there. The id hash is Orleans' <see cref="StableHash"/> of the key's bytes (the
/// GUID's bytes or the integer's little-endian bytes, then the extension's UTF-8, or the key text's
/// UTF-8 alone) in reverse order; the type column holds the state name and its hash is the stable hash
/// of the name's UTF-8. (Orleans rewrites a name holding a generic type's backtick; such names are
/// refused here.)
/// </remarks>
public readonly record struct GrainStateRow(int IdHash, long N0, long N1, int TypeHash, string TypeName, string? Extension)
{
    private static readonly ConcurrentDictionary<string, int> TypeHashes = new(StringComparer.Ordinal);

    /// <summary>The row of state <paramref name="stateName"/> of grain <paramref name="grainId"/>.</summary>
    /// <exception cref="ArgumentException">The state name is empty, or holds a backtick or a NUL character; or the grain's key holds a NUL character.</exception>
    public static GrainStateRow Of(string stateName, GrainId grainId)
    {
        var typeHash = TypeHashOf(stateName);
        if (grainId.TryGetGuidKey(out var guid, out var guidExtension))
        {
            Span<byte> bytes = stackalloc byte[16];
            guid.TryWriteBytes(bytes);
            var n0 = BitConverter.ToInt64(bytes[..8]);
            var n1 = BitConverter.ToInt64(bytes[8..]);
            return new(HashOf(bytes, guidExtension), n0, n1, typeHash, stateName, Storable(guidExtension, grainId));
        }

        if (grainId.TryGetIntegerKey(out var integer, out var integerExtension))
        {
            Span<byte> bytes = stackalloc byte[8];
            BitConverter.TryWriteBytes(bytes, integer);
            return new(HashOf(bytes, integerExtension), 0, integer, typeHash, stateName, Storable(integerExtension, grainId));
        }

        var key = grainId.Key.ToString();
        return new(HashOf([], key), 0, 0, typeHash, stateName, Storable(key, grainId));
    }

    /// <summary>
    /// PostgreSQL text cannot hold NUL: such a key is refused here, alone, rather than failing the
    /// statement that carries the writes of other grains with it.
    /// </summary>
    private static string? Storable(string? text, GrainId grainId) =>
        text is null || !text.Contains('\0', StringComparison.Ordinal)
            ? text
            : throw new ArgumentException($"The key of grain {grainId.ToString().Replace("\0", "\\0", StringComparison.Ordinal)} holds a NUL character, which PostgreSQL text cannot store.", "grainId");

    private static int TypeHashOf(string stateName)
    {
        if (TypeHashes.TryGetValue(stateName, out var known)) return known;
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        if (stateName.Contains('`') || stateName.Contains('\0'))
        {
            throw new ArgumentException($"State name '{stateName.Replace("\0", "\\0", StringComparison.Ordinal)}' holds a backtick or a NUL character; a grain state name must not.", nameof(stateName));
        }

        var hash = (int)StableHash.ComputeHash(Encoding.UTF8.GetBytes(stateName));
        TypeHashes.TryAdd(stateName, hash);
        return hash;
    }

    /// <summary>The stable hash of <paramref name="key"/> followed by the UTF-8 of <paramref name="text"/>, all reversed.</summary>
    private static int HashOf(ReadOnlySpan<byte> key, string? text)
    {
        var length = key.Length + (text is null ? 0 : Encoding.UTF8.GetByteCount(text));
        var rented = length > 256 ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            var bytes = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
            key.CopyTo(bytes);
            if (text is not null) Encoding.UTF8.GetBytes(text, bytes[key.Length..]);
            bytes.Reverse();
            return (int)StableHash.ComputeHash(bytes);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
