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
