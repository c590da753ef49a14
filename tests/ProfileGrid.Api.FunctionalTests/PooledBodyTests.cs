using ProfileGrid.GraphQL.Apis;

namespace ProfileGrid.Api.FunctionalTests;

/// <summary>A request body read into a pooled buffer comes back whole, whatever the client announced and however it arrives.</summary>
public sealed class PooledBodyTests
{
    private static readonly byte[] Content = [.. Enumerable.Range(0, 150_000).Select(i => (byte)(i * 31 % 251))];

    [Theory]
    [InlineData(null)]
    [InlineData(150_000L)]
    [InlineData(1_000L)]
    [InlineData(0L)]
    public async Task Reads_every_byte_whether_the_length_is_unknown_exact_or_understated(long? announced)
    {
        using var body = await PooledBody.ReadAsync(new Trickle(Content, chunk: 997), announced, CancellationToken.None);

        Assert.Equal(Content.Length, body.Length);
        Assert.True(body.Memory.Span.SequenceEqual(Content));
    }

    [Fact]
    public async Task An_empty_body_is_empty()
    {
        using var body = await PooledBody.ReadAsync(new MemoryStream(), null, CancellationToken.None);

        Assert.Equal(0, body.Length);
    }

    /// <summary>A stream that hands out at most <c>chunk</c> bytes per read, as a network does.</summary>
    private sealed class Trickle(byte[] bytes, int chunk) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }
}
