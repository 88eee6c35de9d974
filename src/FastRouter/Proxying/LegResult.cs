using FastRouter.Telemetry;

namespace FastRouter.Proxying;

/// <summary>
/// The outcome of one leg. A retryable failure carries the answer the client gets if no retry is left
/// (status and an OpenAI-shaped body) and a short reason for logs and metrics.
/// </summary>
internal readonly struct LegResult
{
    private LegResult(LegStatus status, int errorStatus, ReadOnlyMemory<byte> errorBody, string? reason, RetryReason retryReason, KvReleaseCause? kvRelease)
    {
        Status = status;
        ErrorStatus = errorStatus;
        ErrorBody = errorBody;
        Reason = reason;
        RetryReason = retryReason;
        KvRelease = kvRelease;
    }

    public static LegResult Succeeded => new(LegStatus.Succeeded, 0, default, null, default, null);

    public static LegResult Finished => new(LegStatus.Finished, 0, default, null, default, null);

    /// <summary>The leg ended without an answer for the client, and its params must be released (<see cref="KvRelease"/>).</summary>
    public static LegResult FinishedReleasing(KvReleaseCause cause) => new(LegStatus.Finished, 0, default, null, default, cause);

    public static LegResult Rejected => new(LegStatus.Rejected, 0, default, null, default, null);

    public LegStatus Status { get; }

    public int ErrorStatus { get; }

    public ReadOnlyMemory<byte> ErrorBody { get; }

    /// <summary>Why it failed: connect_error, timeout, status_5xx, broken_before_first_byte.</summary>
    public string? Reason { get; }

    /// <summary>The same reason, as the retry counter's label.</summary>
    public RetryReason RetryReason { get; }

    /// <summary>
    /// For a decode that failed before it answered, or whose client left while the pod may still have been taking the
    /// request in: why the pod may not have taken the <c>kv_transfer_params</c>, so they are sent once more, to release
    /// their blocks (protocol.md §6). Null when the pod answered (its stream broke after its headers): it had the
    /// request, and frees the blocks itself.
    /// </summary>
    public KvReleaseCause? KvRelease { get; }

    public static LegResult Retryable(int status, ReadOnlyMemory<byte> body, string reason, RetryReason retryReason, KvReleaseCause? kvRelease = null) =>
        new(LegStatus.Retryable, status, body, reason, retryReason, kvRelease);
}
