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

        BufferReadResult read = await buffer.ReadToEndAsync(new EndsAfter(body), body.Length, limit: 1024, budget: null, CancellationToken.None);

        Assert.Equal(BufferReadResult.Complete, read);
        Assert.Equal(body, buffer.Memory.ToArray());
        buffer.Release();
    }

    [Fact]
    public async Task WithoutAnAnnouncedLength_ReadingGoesOnToTheStreamsEnd()
    {
        byte[] body = new byte[10_000];
        Random.Shared.NextBytes(body);
        var buffer = new PooledBuffer();

        BufferReadResult read = await buffer.ReadToEndAsync(new MemoryStream(body), expectedLength: null, limit: 20_000, budget: null, CancellationToken.None);

        Assert.Equal(BufferReadResult.Complete, read);
        Assert.Equal(body, buffer.Memory.ToArray());
        buffer.Release();
    }

    [Fact]
    public async Task Clear_KeepsASmallArrayForTheNextBody_AndGivesALargeOneBack()
    {
        var buffer = new PooledBuffer();
        byte[] small = new byte[700];
        byte[] large = new byte[10_000];

        await buffer.ReadToEndAsync(new MemoryStream(small), small.Length, limit: 20_000, budget: null, CancellationToken.None);
        byte[] first = ArrayOf(buffer);
        buffer.Clear(keepUpTo: 4096);
        Assert.Equal(0, buffer.Length);
        Assert.Same(first, ArrayOf(buffer));
        await buffer.ReadToEndAsync(new MemoryStream(small), small.Length, limit: 20_000, budget: null, CancellationToken.None);
        Assert.Same(first, ArrayOf(buffer));

        await buffer.ReadToEndAsync(new MemoryStream(large), large.Length, limit: 20_000, budget: null, CancellationToken.None);
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

        BufferReadResult read = await buffer.ReadToEndAsync(new MemoryStream(new byte[100]), announced, limit: 99, budget: null, CancellationToken.None);

        Assert.Equal(BufferReadResult.TooLarge, read);
        buffer.Release();
    }

    [Fact]
    public async Task AnAnnouncedLength_ReservesNothing_TheArrayGrowsWithTheBytesThatArrive()
    {
        // A client announcing 32 MiB and sending 10 bytes must cost what 10 bytes cost.
        var buffer = new PooledBuffer();

        BufferReadResult read = await buffer.ReadToEndAsync(new MemoryStream(new byte[10]), 32L * 1024 * 1024, limit: 64L * 1024 * 1024, budget: null, CancellationToken.None);

        Assert.Equal(BufferReadResult.Complete, read);
        Assert.Equal(10, buffer.Length);
        Assert.InRange(buffer.Capacity, 10, PooledBuffer.LargestPooledArray);
        buffer.Release();
    }

    [Fact]
    public async Task ALargeBody_EndsInAnArrayOfItsAnnouncedSize_NotTheNextPowerOfTwo()
    {
        byte[] body = new byte[3 * 1024 * 1024 + 5];
        var buffer = new PooledBuffer();
        var budget = new BufferBudget(64L * 1024 * 1024, TimeSpan.Zero);

        BufferReadResult read = await buffer.ReadToEndAsync(new TrickleStream(body, 16 * 1024), body.Length, limit: 32L * 1024 * 1024, budget, CancellationToken.None);

        Assert.Equal(BufferReadResult.Complete, read);
        Assert.Equal(body.Length + 1, buffer.Capacity);
        Assert.Equal(buffer.Capacity, budget.Used);
        buffer.Release();
        Assert.Equal(0, budget.Used);

        // Dropped, not pooled: the arrays over 1 MiB it grew through, and the last one. Those of 128 KiB to 1 MiB went
        // to the router's own pool, unless other tests had filled it.
        Assert.InRange(budget.DroppedLargeBytes, 2048 * 1024 + body.Length + 1, 128 * 1024 + 256 * 1024 + 512 * 1024 + 1024 * 1024 + 2048 * 1024 + body.Length + 1);
    }

    [Fact]
    public async Task TheBudget_IsChargedWhatTheArrayHolds_AndGetsItBackOnce_WhicheverWayTheBufferIsLetGo()
    {
        var budget = new BufferBudget(1024 * 1024, TimeSpan.Zero);
        var buffer = new PooledBuffer();
        byte[] small = new byte[700];

        await buffer.ReadToEndAsync(new MemoryStream(small), small.Length, limit: 20_000, budget, CancellationToken.None);
        Assert.Equal(1024, budget.Used);

        // A kept array is uncharged while idle, and charged again when the next body lands in it.
        buffer.Clear(keepUpTo: 4096);
        Assert.Equal(0, budget.Used);
        await buffer.ReadToEndAsync(new MemoryStream(small), small.Length, limit: 20_000, budget, CancellationToken.None);
        Assert.Equal(1024, budget.Used);

        buffer.Abandon();
        Assert.Equal(0, budget.Used);
        buffer.Release();
        buffer.Clear(keepUpTo: 4096);
        Assert.Equal(0, budget.Used);

        await buffer.ReadToEndAsync(new MemoryStream(new byte[100_000]), null, limit: 200_000, budget, CancellationToken.None);
        Assert.Equal(buffer.Capacity, budget.Used);
        buffer.Release();
        buffer.Release();
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public async Task ABodyThatFindsNoRoomWithinTheWait_IsOverBudget_AndHoldsOnlyWhatItGot()
    {
        var budget = new BufferBudget(64 * 1024, TimeSpan.FromMilliseconds(100));
        var buffer = new PooledBuffer();

        BufferReadResult read = await buffer.ReadToEndAsync(new MemoryStream(new byte[200_000]), 200_000, limit: 1024 * 1024, budget, CancellationToken.None);

        Assert.Equal(BufferReadResult.OverBudget, read);
        Assert.Equal(64 * 1024, budget.Used);
        buffer.Release();
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public async Task APrefillAnswer_IsReadWhateverTheBudgetHolds_AndChargedAllTheSame()
    {
        // A full budget: a prefill answer must still be read, as its pod holds KV blocks until the router has its params.
        var budget = new BufferBudget(64 * 1024, TimeSpan.FromMilliseconds(100));
        Assert.True(budget.TryTake(64 * 1024));
        var buffer = new PooledBuffer();

        BufferReadResult read = await buffer.ReadToEndAsync(new MemoryStream(new byte[5_000]), 5_000, limit: 1024 * 1024, budget, CancellationToken.None, overdrawUpTo: 64 * 1024);

        Assert.Equal(BufferReadResult.Complete, read);
        Assert.Equal(5_000, buffer.Length);
        Assert.Equal((64 * 1024) + buffer.Capacity, budget.Used);
        buffer.Release();
        Assert.Equal(64 * 1024, budget.Used);

        // Past what may be overdrawn, the budget decides again.
        read = await buffer.ReadToEndAsync(new MemoryStream(new byte[200_000]), 200_000, limit: 1024 * 1024, budget, CancellationToken.None, overdrawUpTo: 64 * 1024);
        Assert.Equal(BufferReadResult.OverBudget, read);
        buffer.Release();
        Assert.Equal(64 * 1024, budget.Used);
    }

    [Fact]
    public async Task AWaitingBody_GoesOn_AsSoonAsAnotherGivesItsBytesBack()
    {
        var budget = new BufferBudget(128 * 1024, TimeSpan.FromSeconds(30));
        var holder = new PooledBuffer();
        await holder.ReadToEndAsync(new MemoryStream(new byte[100_000]), 100_000, limit: 1024 * 1024, budget, CancellationToken.None);
        var waiter = new PooledBuffer();

        ValueTask<BufferReadResult> reading = waiter.ReadToEndAsync(new MemoryStream(new byte[100_000]), 100_000, limit: 1024 * 1024, budget, CancellationToken.None);
        // The first holds 100,001 bytes of 131,072: the second's first 64 KiB do not fit, so it waits.
        await Task.Delay(200);
        Assert.False(reading.IsCompleted);
        Assert.Equal(holder.Capacity, budget.Used);
        holder.Release();

        Assert.Equal(BufferReadResult.Complete, await reading);
        Assert.Equal(waiter.Capacity, budget.Used);
        waiter.Release();
        Assert.Equal(0, budget.Used);
    }

    /// <summary>Hands out its bytes a few at a time, as a socket does.</summary>
    private sealed class TrickleStream(byte[] bytes, int most) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, most)], cancellationToken);
    }

    /// <summary>Hands out its bytes, then fails any further read: a read past the announced length is a bug here.</summary>
    private sealed class EndsAfter(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position == Length ? throw new InvalidOperationException("read past the announced length") : base.ReadAsync(buffer, cancellationToken);
    }
}
