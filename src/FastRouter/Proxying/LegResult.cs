namespace FastRouter.Proxying;

/// <summary>
/// The outcome of one leg. A retryable failure carries the answer the client gets if no retry is left
/// (status and an OpenAI-shaped body) and a short reason for logs and metrics.
/// </summary>
internal readonly struct LegResult
{
    private LegResult(LegStatus status, int errorStatus, ReadOnlyMemory<byte> errorBody, string? reason)
    {
        Status = status;
        ErrorStatus = errorStatus;
        ErrorBody = errorBody;
        Reason = reason;
    }

    public static LegResult Succeeded => new(LegStatus.Succeeded, 0, default, null);

    public static LegResult Finished => new(LegStatus.Finished, 0, default, null);

    public LegStatus Status { get; }

    public int ErrorStatus { get; }

    public ReadOnlyMemory<byte> ErrorBody { get; }

    /// <summary>Why it failed: connect_error, timeout, status_5xx, broken_before_first_byte.</summary>
    public string? Reason { get; }

    public static LegResult Retryable(int status, ReadOnlyMemory<byte> body, string reason) => new(LegStatus.Retryable, status, body, reason);
}
