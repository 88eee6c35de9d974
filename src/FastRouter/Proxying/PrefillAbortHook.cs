namespace FastRouter.Proxying;

/// <summary>
/// What a client's abort does to the prefill call (protocol.md §6). Cancelling the call makes vLLM abort the
/// request and free its KV blocks, but a prefill that has just finished has already written its answer: cancelling
/// then throws away the <c>kv_transfer_params</c> while the pod holds their blocks, until its timeout or lease. So
/// once the request is going onto the wire the router only shuts its sending side of the connection. The pod reads
/// end of stream and aborts a request still running, as on any disconnect, while an answer it already wrote still
/// arrives, and its blocks are then released through decode (step 8). Before any of the body is written (the
/// connection is not known yet) the call is cancelled. One per pooled exchange, so a leg allocates nothing for it.
/// </summary>
internal sealed class PrefillAbortHook
{
    private CancellationTokenSource? _call;
    private SegmentedContent? _content;
    private BackendConnectionStream? _halfClosed;

    /// <summary>The callback for <c>CancellationToken.UnsafeRegister</c>, with the hook as its state.</summary>
    public static readonly Action<object?> OnClientAbort = static state => ((PrefillAbortHook)state!).Fire();

    /// <summary>Before a prefill leg is sent: <paramref name="call"/> is its timer's source, <paramref name="content"/> its body.</summary>
    public void Arm(CancellationTokenSource call, SegmentedContent content)
    {
        _halfClosed = null;
        _content = content;
        _call = call;
    }

    /// <summary>After the leg, whichever way it ended: a connection this hook half-closed is closed for good.</summary>
    public void CloseHalfClosed() => Volatile.Read(ref _halfClosed)?.ShutdownBoth();

    private void Fire()
    {
        // Shutting down mid-write is as good: the pod reads a request cut short and never runs it.
        if (_content?.Transport is { } transport && transport.TryShutdownSend())
        {
            Volatile.Write(ref _halfClosed, transport);
            return;
        }

        _call?.Cancel();
    }
}
