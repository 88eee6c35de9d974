using FastRouter.Proxying;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// Once an event stream has begun, a request's bodies go back to the pool, unless a socket may still be reading them;
/// at the request's end an idle exchange keeps small ones for its next request.
/// </summary>
public sealed class ProxyExchangeTests
{
    [Fact]
    public async Task ReleaseBodiesOnceAnswered_ReturnsBothBodies_WhenNoLegIsStillWriting()
    {
        ProxyExchange exchange = await FilledExchange.CreateAsync();
        var decode = new SegmentedContent(exchange.DecodeBody);
        await decode.CopyToAsync(Stream.Null);
        exchange.DecodeContent = decode;

        exchange.ReleaseBodiesOnceAnswered();

        Assert.Equal(0, exchange.RequestBody.Length);
        Assert.Equal(0, exchange.PrefillAnswer.Length);
        Assert.Equal(0, exchange.DecodeBody.Count);
    }

    [Fact]
    public async Task ReleaseBodiesOnceAnswered_KeepsThem_WhileTheDecodeBodyIsStillBeingWritten()
    {
        ProxyExchange exchange = await FilledExchange.CreateAsync();
        var decode = new SegmentedContent(exchange.DecodeBody);
        var stuck = new StuckStream();
        Task writing = decode.CopyToAsync(stuck);
        exchange.DecodeContent = decode;

        exchange.ReleaseBodiesOnceAnswered();

        Assert.False(decode.IsIdle);
        Assert.NotEqual(0, exchange.RequestBody.Length);
        Assert.NotEqual(0, exchange.PrefillAnswer.Length);
        Assert.NotEqual(0, exchange.DecodeBody.Count);
        stuck.Release.SetResult();
        await writing;
    }


    [Fact]
    public async Task TryReset_KeepsSmallBodiesForTheNextRequest_AndDropsThemWhileAWriteMayBeReadingThem()
    {
        ProxyExchange exchange = await FilledExchange.CreateAsync();
        ReadOnlyMemory<byte> requestBody = exchange.RequestBody.Memory;
        var decode = new SegmentedContent(exchange.DecodeBody);
        await decode.CopyToAsync(Stream.Null);
        exchange.DecodeContent = decode;

        Assert.True(exchange.TryReset());
        Assert.Equal(0, exchange.RequestBody.Length);
        byte[] next = "{\"model\":\"m\"}"u8.ToArray();
        await exchange.RequestBody.ReadToEndAsync(new MemoryStream(next), next.Length, 1024, budget: null, CancellationToken.None);
        Assert.True(exchange.RequestBody.Memory.Span.Overlaps(requestBody.Span), "the next request's body did not reuse the kept array");

        var stuck = new StuckStream();
        var writing = new SegmentedContent(exchange.DecodeBody);
        exchange.DecodeBody.Add(exchange.RequestBody.Memory);
        Task write = writing.CopyToAsync(stuck);
        exchange.DecodeContent = writing;
        Assert.False(exchange.TryReset());
        Assert.False(exchange.RequestBody.Memory.Span.Overlaps(requestBody.Span));
        stuck.Release.SetResult();
        await write;
    }

    /// <summary>A socket that has not finished taking the body: its write completes when the test says so.</summary>
    private sealed class StuckStream : MemoryStream
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            await Release.Task.WaitAsync(cancellationToken);
    }
}
