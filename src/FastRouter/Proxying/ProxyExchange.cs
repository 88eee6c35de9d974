using FastRouter.Protocol;

namespace FastRouter.Proxying;

/// <summary>
/// The buffers and scratch state one orchestrated request needs, pooled so a request allocates almost
/// nothing of its own. Not thread-safe: owned by one request at a time.
/// </summary>
internal sealed class ProxyExchange
{
    /// <summary>The client's body, read once.</summary>
    public PooledBuffer RequestBody { get; } = new();

    public RequestScan Scan { get; } = new();

    public BodySegments PrefillBody { get; } = new();

    /// <summary>The prefill pod's answer, read whole: kv_transfer_params is spliced from it.</summary>
    public PooledBuffer PrefillAnswer { get; } = new();

    /// <summary>The kv_transfer_params object for decode, as slices of <see cref="PrefillAnswer"/>.</summary>
    public BodySegments KvTransferParams { get; } = new();

    public BodySegments DecodeBody { get; } = new();

    /// <summary>When the prefill leg was sent (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long PrefillStartedAt { get; set; }

    /// <summary>The prefill leg's request body, once sent.</summary>
    public SegmentedContent? PrefillContent { get; set; }

    /// <summary>The decode leg's request body, once sent.</summary>
    public SegmentedContent? DecodeContent { get; set; }

    /// <summary>
    /// Makes the exchange ready for another request. Returns false when a body may still be being written
    /// to a socket: then its memory must not be reused, and the exchange is dropped instead of pooled.
    /// </summary>
    public bool TryReset()
    {
        bool idle = (PrefillContent?.IsIdle ?? true) && (DecodeContent?.IsIdle ?? true);
        PrefillContent = null;
        DecodeContent = null;
        if (idle)
        {
            RequestBody.Release();
            PrefillAnswer.Release();
        }
        else
        {
            RequestBody.Abandon();
            PrefillAnswer.Abandon();
        }

        Scan.Reset();
        PrefillBody.Reset();
        KvTransferParams.Reset();
        DecodeBody.Reset();
        return idle;
    }
}
