using System.Buffers;

namespace FastRouter.LoadTests.Http;

/// <summary>
/// The scratch state of one request in flight: read buffer, SSE parser, inter-token gaps, the timeout source and
/// the stream's progress. Owned by one worker (closed loop) or rented from a pool for one request (open loop),
/// so it is never used by two requests at once and nothing here is allocated per request.
/// </summary>
internal sealed class RequestContext : IDisposable
{
    private readonly CancellationToken _runToken;
    private CancellationTokenSource _timeout;

    public RequestContext(int seed, CancellationToken runToken)
    {
        Random = new Random(seed);
        _runToken = runToken;
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(runToken);
    }

    public Random Random { get; }

    public SseStreamParser Parser { get; } = new();

    public byte[] ReadBuffer { get; private set; } = ArrayPool<byte>.Shared.Rent(16 * 1024);

    public long[] GapsMicroseconds { get; private set; } = new long[256];

    public int GapCount { get; private set; }

    // Progress of the current stream, reset by BeginStream.
    public long FirstTokenTimestamp { get; set; }

    public long LastTokenTimestamp { get; set; }

    public long DoneTimestamp { get; set; }

    public int TokenChunks { get; set; }

    public int UsageCompletionTokens { get; set; }

    public bool SawError { get; set; }

    /// <summary>Cancelled when the request's own timeout passes or the run stops.</summary>
    public CancellationToken Token => _timeout.Token;

    public void Start(TimeSpan timeout)
    {
        GapCount = 0;
        _timeout.CancelAfter(timeout);
    }

    /// <summary>Disarms the timeout so the source can serve the next request; a fired source is replaced.</summary>
    public void Finish()
    {
        if (!_timeout.TryReset())
        {
            _timeout.Dispose();
            _timeout = CancellationTokenSource.CreateLinkedTokenSource(_runToken);
        }
    }

    public void BeginStream()
    {
        Parser.Reset();
        FirstTokenTimestamp = 0;
        LastTokenTimestamp = 0;
        DoneTimestamp = 0;
        TokenChunks = 0;
        UsageCompletionTokens = -1;
        SawError = false;
        GapCount = 0;
    }

    public void AddGap(long microseconds)
    {
        if (GapCount == GapsMicroseconds.Length)
        {
            long[] larger = new long[GapsMicroseconds.Length * 2];
            GapsMicroseconds.CopyTo(larger, 0);
            GapsMicroseconds = larger;
        }

        GapsMicroseconds[GapCount++] = microseconds;
    }

    /// <summary>Makes the read buffer at least <paramref name="size"/> bytes, keeping its first <paramref name="keep"/> bytes.</summary>
    public void GrowReadBuffer(int size, int keep)
    {
        if (size <= ReadBuffer.Length)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        ReadBuffer.AsSpan(0, keep).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(ReadBuffer);
        ReadBuffer = larger;
    }

    public void Dispose()
    {
        Parser.Dispose();
        _timeout.Dispose();
        ArrayPool<byte>.Shared.Return(ReadBuffer);
        ReadBuffer = [];
    }
}
