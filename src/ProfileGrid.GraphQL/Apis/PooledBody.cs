using System.Buffers;

namespace ProfileGrid.GraphQL.Apis;

/// <summary>
/// A request body read into a buffer rented from the shared array pool, so a large body (a batch of events)
/// is neither grown step by step on the large object heap nor copied once more at the end. Dispose returns
/// the buffer: nothing may refer to <see cref="Memory"/> after that.
/// </summary>
public readonly record struct PooledBody(byte[] Buffer, int Length) : IDisposable
{
    private const int UnknownLengthStart = 16 * 1024;

    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    /// <summary>
    /// Reads <paramref name="body"/> to its end. <paramref name="contentLength"/>, when the client gave one,
    /// sizes the first buffer (one byte more, so the end is seen without growing); the buffer doubles when a
    /// body is longer than announced or of unknown length. The server's own body size limit still applies
    /// to the stream.
    /// </summary>
    public static async Task<PooledBody> ReadAsync(Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        var first = contentLength is { } announced ? (int)Math.Clamp(announced + 1, 1, Array.MaxLength) : UnknownLengthStart;
        var buffer = ArrayPool<byte>.Shared.Rent(first);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(checked(buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0) return new PooledBody(buffer, length);
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(Buffer);
}
