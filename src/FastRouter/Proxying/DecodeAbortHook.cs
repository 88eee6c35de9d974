using System.Diagnostics;

namespace FastRouter.Proxying;

/// <summary>
/// What a client's abort does to the decode call (protocol.md §6). Once decode has answered, the call is cancelled
/// at once, so a pod stops generating for a client that left. Before that, only once the pod has had the whole
/// request for <see cref="Grace"/>: a decode pod that has taken the request into its engine frees the prefill's KV
/// blocks when aborted, but one aborted while it still reads or parses the request never sees
/// <c>kv_transfer_params</c>, and the blocks stay held until the prefill's timeout or lease. The grace is counted from
/// when the body went out, not from the abort, so a non-streaming decode (vLLM sends its headers only when the
/// generation ends) that the client leaves while it is being generated is cut at once. One per pooled exchange, so a
/// leg allocates nothing for it.
/// </summary>
internal sealed class DecodeAbortHook
{
    /// <summary>
    /// Long enough for a pod to take a request into its engine (parse, tokenize, schedule), short enough that a
    /// non-streaming decode, which answers only when done, does not run long for nobody.
    /// </summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private CancellationTokenSource? _call;
    private SegmentedContent? _content;
    private long _deadline;
    private bool _kvAtStake;
    private volatile bool _answered;
    private volatile bool _leftWhileTaken;

    /// <summary>The callback for <c>CancellationToken.UnsafeRegister</c>, with the hook as its state.</summary>
    public static readonly Action<object?> OnClientAbort = static state => ((DecodeAbortHook)state!).Fire();

    /// <summary>
    /// Before a decode leg is sent: <paramref name="call"/> is its timer's source, armed with <paramref name="timeout"/>
    /// at <paramref name="armedAt"/> (a <see cref="Stopwatch"/> timestamp); <paramref name="content"/> is its body.
    /// <paramref name="kvAtStake"/> is false for a decode-only call, which carries no prefill's params: nothing is held
    /// for it elsewhere, so the client's abort cancels it at once, without the grace.
    /// </summary>
    public void Arm(CancellationTokenSource call, SegmentedContent content, long armedAt, TimeSpan timeout, bool kvAtStake = true)
    {
        _kvAtStake = kvAtStake;
        _answered = false;
        _leftWhileTaken = false;
        _deadline = armedAt + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _content = content;
        _call = call;
    }

    /// <summary>Decode's answer has begun: from now on the client's abort cancels the call at once.</summary>
    public void Answered() => _answered = true;

    /// <summary>
    /// True when the client left before decode answered and before the pod had had the whole request for the grace:
    /// a pod slower than that (a loaded one) may still be reading or parsing it when the grace cuts the call, and would
    /// then never see the params. The caller then releases them with a drain (protocol.md §6) rather than trust the
    /// grace, which is a guess on the wall clock.
    /// </summary>
    public bool LeftWhileTaken => _leftWhileTaken;

    private void Fire()
    {
        CancellationTokenSource? call = _call;
        if (call is null)
        {
            return;
        }

        TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline);
        if (_answered || !_kvAtStake || left <= TimeSpan.Zero)
        {
            call.Cancel();
            return;
        }

        // Until the whole body is out, the grace runs from the abort, as the pod cannot have begun to parse it.
        long writtenAt = _content?.WrittenAt ?? 0;
        TimeSpan grace = writtenAt == 0 ? Grace : Grace - Stopwatch.GetElapsedTime(writtenAt);
        if (grace <= TimeSpan.Zero)
        {
            call.Cancel();
            return;
        }

        _leftWhileTaken = true;

        // Never later than the leg's own timer would have fired.
        call.CancelAfter(left < grace ? left : grace);
    }
}
