using System.Diagnostics;
using FastRouter.Protocol;
using FastRouter.Telemetry;

namespace FastRouter.Proxying;

/// <summary>
/// The buffers and scratch state one orchestrated request needs, pooled so a request allocates almost
/// nothing of its own. Not thread-safe: owned by one request at a time.
/// </summary>
internal sealed class ProxyExchange
{
    /// <summary>
    /// Largest body array an idle exchange keeps for its next request (the request body and the prefill answer of a
    /// typical chat request fit), so that request rents nothing. At most two per pooled exchange: 8 KB each for the
    /// pool's 1,024 exchanges. Larger arrays go back to the shared pool.
    /// </summary>
    private const int KeptBodyBytes = 4096;

    private bool _tainted;

    /// <summary>The request's own time versus waiting; a field because it is a mutable struct.</summary>
    public RequestClock Clock;

    /// <summary>The client's body, read once.</summary>
    public PooledBuffer RequestBody { get; } = new();

    public RequestScan Scan { get; } = new();

    /// <summary>The request's wait in the router's queue, held from its dispatch until its prefill pod counts it.</summary>
    public FlowControl.QueuedRequest? QueueTicket { get; set; }

    public BodySegments PrefillBody { get; } = new();

    /// <summary>The prefill pod's answer, read whole: kv_transfer_params is spliced from it.</summary>
    public PooledBuffer PrefillAnswer { get; } = new();

    /// <summary>The kv_transfer_params object for decode, as slices of <see cref="PrefillAnswer"/>.</summary>
    public BodySegments KvTransferParams { get; } = new();

    public BodySegments DecodeBody { get; } = new();

    /// <summary>How the client's abort reaches this request's prefill calls, reused by each.</summary>
    public PrefillAbortHook PrefillAbort { get; } = new();

    /// <summary>How the client's abort reaches this request's decode calls, reused by each.</summary>
    public DecodeAbortHook DecodeAbort { get; } = new();

    /// <summary>The request's trace span; null when tracing is off.</summary>
    public Activity? Span { get; set; }

    /// <summary>
    /// Without leg spans, the <c>traceparent</c> both legs carry (and every retry's): worked out once per request, so
    /// a request the client sent without one still names a single new trace on both pods.
    /// </summary>
    public string? TraceParent { get; set; }

    /// <summary>How the request is being served (step 5); null until a decode pod was picked. Counted once, when it ends.</summary>
    public Disaggregation.DisaggregationDecision? Decision { get; set; }

    /// <summary>The model of the route taken (null for the catch-all route), for metrics and spans.</summary>
    public string? Model { get; set; }

    /// <summary>When the prefill answer had been read (a <see cref="Stopwatch"/> timestamp), for the handoff gap.</summary>
    public long PrefillAnsweredAt { get; set; }

    /// <summary>When the prefill leg was sent (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), for the Debug log; 0 below Debug.</summary>
    public long PrefillStartedAt { get; set; }

    /// <summary>The prefill leg's request body, once sent.</summary>
    public SegmentedContent? PrefillContent { get; set; }

    /// <summary>The decode leg's request body, once sent.</summary>
    public SegmentedContent? DecodeContent { get; set; }

    /// <summary>The body was refused over its size, mostly unread; the rest is to be dropped after the answer.</summary>
    public bool RequestBodyLeftUnread { get; set; }

    /// <summary>
    /// Clears what one attempt of the flow built, before the whole flow is redone on other pods. The request
    /// body and the prefill body (slices of it) stay. A body that may still be being written marks the exchange
    /// tainted, so its memory is never handed out again.
    /// </summary>
    public void PrepareRetry()
    {
        if (!(PrefillContent?.IsIdle ?? true))
        {
            _tainted = true;
        }

        if (!(DecodeContent?.IsIdle ?? true))
        {
            // The old decode body points into the prefill answer: the next answer must land in fresh memory.
            _tainted = true;
            PrefillAnswer.Abandon();
        }

        PrefillContent = null;
        DecodeContent = null;
        KvTransferParams.Reset();
        DecodeBody.Reset();
    }

    /// <summary>Records that a sent body may still be being written (see <see cref="SegmentedContent.IsIdle"/>).</summary>
    public void NoteContent(SegmentedContent content)
    {
        if (!content.IsIdle)
        {
            _tainted = true;
        }
    }

    /// <summary>
    /// Once the decode answer has begun reaching the client nothing can be retried, so the client's body and the
    /// prefill answer are no longer needed: they go back to the pool for the rest of the stream, which may last
    /// minutes (a long prompt would otherwise stay held by every open stream). Kept when a leg's body may still be
    /// being written from them.
    /// </summary>
    public void ReleaseBodiesOnceAnswered()
    {
        if (!(PrefillContent?.IsIdle ?? true) || !(DecodeContent?.IsIdle ?? true))
        {
            return;
        }

        PrefillBody.Reset();
        KvTransferParams.Reset();
        DecodeBody.Reset();
        RequestBody.Release();
        PrefillAnswer.Release();
    }

    /// <summary>
    /// Makes the exchange ready for another request. Returns false when a body may still be being written
    /// to a socket: then its memory must not be reused, and the exchange is dropped instead of pooled.
    /// </summary>
    public bool TryReset()
    {
        bool idle = !_tainted && (PrefillContent?.IsIdle ?? true) && (DecodeContent?.IsIdle ?? true);
        _tainted = false;
        PrefillContent = null;
        DecodeContent = null;
        if (idle)
        {
            RequestBody.Clear(KeptBodyBytes);
            PrefillAnswer.Clear(KeptBodyBytes);
        }
        else
        {
            RequestBody.Abandon();
            PrefillAnswer.Abandon();
        }

        Scan.Reset();
        QueueTicket = null;
        Span = null;
        TraceParent = null;
        Model = null;
        Decision = null;
        RequestBodyLeftUnread = false;
        PrefillAnsweredAt = 0;
        PrefillBody.Reset();
        KvTransferParams.Reset();
        DecodeBody.Reset();
        return idle;
    }
}
