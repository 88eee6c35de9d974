using FastRouter.Proxying;

namespace FastRouter.Tests.Proxying;

/// <summary>Reading a body whole into pooled memory: the announced length, the limit, and a body of unknown length.</summary>
public sealed class PooledBufferTests
{
    [Fact]
    public async Task WithAnAnnouncedLength_ReadingStopsThere_WithoutAskingTheStreamAgain()
    {
        byte[] body = "{\"ok\":true}"u8.ToArray();
        var buffer = new PooledBuffer();

        bool complete = await buffer.ReadToEndAsync(new EndsAfter(body), body.Length, limit: 1024, CancellationToken.None);

        Assert.True(complete);
        Assert.Equal(body, buffer.Memory.ToArray());
        buffer.Release();
    }

    [Fact]
    public async Task WithoutAnAnnouncedLength_ReadingGoesOnToTheStreamsEnd()
    {
        byte[] body = new byte[10_000];
        Random.Shared.NextBytes(body);
        var buffer = new PooledBuffer();

        bool complete = await buffer.ReadToEndAsync(new MemoryStream(body), expectedLength: null, limit: 20_000, CancellationToken.None);

        Assert.True(complete);
        Assert.Equal(body, buffer.Memory.ToArray());
        buffer.Release();
    }

    [Fact]
    public async Task Clear_KeepsASmallArrayForTheNextBody_AndGivesALargeOneBack()
    {
        var buffer = new PooledBuffer();
        byte[] small = new byte[700];
        byte[] large = new byte[10_000];

        await buffer.ReadToEndAsync(new MemoryStream(small), small.Length, limit: 20_000, CancellationToken.None);
        byte[] first = ArrayOf(buffer);
        buffer.Clear(keepUpTo: 4096);
        Assert.Equal(0, buffer.Length);
        Assert.Same(first, ArrayOf(buffer));
        await buffer.ReadToEndAsync(new MemoryStream(small), small.Length, limit: 20_000, CancellationToken.None);
        Assert.Same(first, ArrayOf(buffer));

        await buffer.ReadToEndAsync(new MemoryStream(large), large.Length, limit: 20_000, CancellationToken.None);
        buffer.Clear(keepUpTo: 4096);
        Assert.Equal(0, buffer.Length);
        Assert.Empty(ArrayOf(buffer));
    }

    private static byte[] ArrayOf(PooledBuffer buffer) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(buffer.Memory, out ArraySegment<byte> segment) ? segment.Array! : throw new InvalidOperationException();

    [Theory]
    [InlineData(100L)]
    [InlineData(null)]
    public async Task ABodyOverTheLimit_IsRefused(long? announced)
    {
        var buffer = new PooledBuffer();

        bool complete = await buffer.ReadToEndAsync(new MemoryStream(new byte[100]), announced, limit: 99, CancellationToken.None);

        Assert.False(complete);
        buffer.Release();
    }

    /// <summary>Hands out its bytes, then fails any further read: a read past the announced length is a bug here.</summary>
    private sealed class EndsAfter(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position == Length ? throw new InvalidOperationException("read past the announced length") : base.ReadAsync(buffer, cancellationToken);
    }
}
