using FastRouter.Discovery;

namespace FastRouter.Telemetry;

/// <summary>
/// What the router saw of one pod, for production-stack's <c>vllm:*</c> gauges, <c>/engines</c> and --log-stats.
/// Keyed by the pod's URL, so a pod that is re-created under the same address keeps its series.
/// Written lock-free from the hot path; read at scrape and log time.
/// </summary>
internal sealed class PodStats
{
    private readonly long[] _latencyBuckets = new long[BucketBoundaries.Latency.Length + 1];
    private int _inPrefill;
    private int _inDecoding;
    private long _requests;
    private long _errors;
    private int _ejected;

    public PodStats(string name, BackendRole role, int windowSeconds, DateTimeOffset firstSeen)
    {
        Name = name;
        Role = role;
        FirstSeen = firstSeen;
        Started = new SlidingWindow(windowSeconds);
        Latency = new SlidingWindow(windowSeconds);
        InterEvent = new SlidingWindow(windowSeconds);
        DecodingLength = new SlidingWindow(windowSeconds);
    }

    /// <summary>The pod's URL, the <c>server</c> label (production-stack's endpoint URL) and the <c>pod</c> label.</summary>
    public string Name { get; }

    public BackendRole Role { get; }

    /// <summary>When the router first saw the pod: production-stack's <c>added_timestamp</c>.</summary>
    public DateTimeOffset FirstSeen { get; }

    /// <summary>The models it served when last seen in a routing table (display only).</summary>
    public string? Model { get; set; }

    /// <summary>True while the pod is in the current routing table.</summary>
    public bool Known { get; set; }

    /// <summary>Calls started in the window (samples of 1): <c>vllm:current_qps</c> = count / window.</summary>
    public SlidingWindow Started { get; }

    /// <summary>Durations of calls that ended in the window, in microseconds: <c>vllm:avg_latency</c>.</summary>
    public SlidingWindow Latency { get; }

    /// <summary>Gaps between relayed events, microseconds: <c>vllm:avg_itl</c>.</summary>
    public SlidingWindow InterEvent { get; }

    /// <summary>Completion tokens per request: <c>vllm:avg_decoding_length</c>.</summary>
    public SlidingWindow DecodingLength { get; }

    /// <summary>Calls sent, no answer yet (production-stack's <c>in_prefill_requests</c>).</summary>
    public int InPrefill => Volatile.Read(ref _inPrefill);

    /// <summary>Calls whose answer is being received (production-stack's <c>in_decoding_requests</c>).</summary>
    public int InDecoding => Volatile.Read(ref _inDecoding);

    public long Requests => Interlocked.Read(ref _requests);

    public long Errors => Interlocked.Read(ref _errors);

    public bool Ejected => Volatile.Read(ref _ejected) != 0;

    public void OnStarted(long second)
    {
        Interlocked.Increment(ref _inPrefill);
        Interlocked.Increment(ref _requests);
        Started.Add(second, 1);
    }

    public void OnFirstByte()
    {
        Interlocked.Decrement(ref _inPrefill);
        Interlocked.Increment(ref _inDecoding);
    }

    public void OnCompleted(long second, bool sawFirstByte, double seconds, bool failed)
    {
        Interlocked.Decrement(ref sawFirstByte ? ref _inDecoding : ref _inPrefill);
        Latency.Add(second, (long)(seconds * 1_000_000));
        Interlocked.Increment(ref _latencyBuckets[BucketBoundaries.IndexOf(BucketBoundaries.Latency, seconds)]);
        if (failed)
        {
            Interlocked.Increment(ref _errors);
        }
    }

    public void SetEjected(bool ejected) => Volatile.Write(ref _ejected, ejected ? 1 : 0);

    /// <summary>Copies the cumulative-since-start latency bucket counts (per bucket, +Inf last).</summary>
    public void CopyLatencyBuckets(Span<long> destination)
    {
        for (int i = 0; i < _latencyBuckets.Length; i++)
        {
            destination[i] = Volatile.Read(ref _latencyBuckets[i]);
        }
    }
}
