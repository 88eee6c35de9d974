using FastRouter.Telemetry;

namespace FastRouter.Proxying;

/// <summary>
/// The outcome of one leg. A retryable failure carries the answer the client gets if no retry is left
/// (status and an OpenAI-shaped body) and a short reason for logs and metrics.
/// </summary>
internal readonly struct LegResult
{
    private LegResult(LegStatus status, int errorStatus, ReadOnlyMemory<byte> errorBody, string? reason, RetryReason retryReason, bool unreached)
    {
        Status = status;
        ErrorStatus = errorStatus;
        ErrorBody = errorBody;
        Reason = reason;
        RetryReason = retryReason;
        Unreached = unreached;
    }

    public static LegResult Succeeded => new(LegStatus.Succeeded, 0, default, null, default, false);

    public static LegResult Finished => new(LegStatus.Finished, 0, default, null, default, false);

    public static LegResult Rejected => new(LegStatus.Rejected, 0, default, null, default, false);

    public LegStatus Status { get; }

    public int ErrorStatus { get; }

    public ReadOnlyMemory<byte> ErrorBody { get; }

    /// <summary>Why it failed: connect_error, timeout, status_5xx, broken_before_first_byte.</summary>
    public string? Reason { get; }

    /// <summary>The same reason, as the retry counter's label.</summary>
    public RetryReason RetryReason { get; }

    /// <summary>
    /// True when the pod never received the request: no connection to it could be opened. A decode pod that was not
    /// reached has not taken the <c>kv_transfer_params</c>, so they may still be sent elsewhere to free their blocks.
    /// </summary>
    public bool Unreached { get; }

    public static LegResult Retryable(int status, ReadOnlyMemory<byte> body, string reason, RetryReason retryReason, bool unreached = false) =>
        new(LegStatus.Retryable, status, body, reason, retryReason, unreached);
}
