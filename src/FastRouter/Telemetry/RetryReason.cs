namespace FastRouter.Telemetry;

/// <summary>Why a leg was retried; the <c>reason</c> label of <c>fastrouter_retries_total</c>.</summary>
internal enum RetryReason
{
    ConnectionError,
    Timeout,
    ServerError,
}
