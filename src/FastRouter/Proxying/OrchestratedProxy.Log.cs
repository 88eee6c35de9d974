using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>
/// Log messages of the orchestrated flow other than the seven per-request lines (<see cref="RequestLog"/>, event ids
/// 1–5, 7 and 8): the prefill answer's keys and the pods' pick reasons are Debug; what goes wrong is Warning.
/// </summary>
internal sealed partial class OrchestratedProxy
{
    private static partial class Log
    {
        [LoggerMessage(6, LogLevel.Debug, "Prefill response keys: {Keys} [request_id={RequestId}]")]
        public static partial void PrefillResponseKeys(ILogger logger, string keys, string requestId);

        [LoggerMessage(10, LogLevel.Warning, "Prefill pod {Endpoint} returned {Why}; sending the plain request to decode, which recomputes the prompt [request_id={RequestId}]")]
        public static partial void MissingKvParamsFallingBack(ILogger logger, string endpoint, string why, string requestId);

        [LoggerMessage(11, LogLevel.Warning, "Prefill pod {Endpoint} returned {Why}; failing the request (--on-missing-kv-params fail) [request_id={RequestId}]")]
        public static partial void MissingKvParamsFailing(ILogger logger, string endpoint, string why, string requestId);

        [LoggerMessage(12, LogLevel.Warning, "The {Role} pod {Endpoint} answered {Status} [request_id={RequestId}]")]
        public static partial void BackendErrorStatus(ILogger logger, string role, string endpoint, int status, string requestId);

        [LoggerMessage(13, LogLevel.Warning, "The {Role} pod {Endpoint} failed: {Reason} [request_id={RequestId}]")]
        public static partial void LegFailed(ILogger logger, string role, string endpoint, string reason, string requestId);

        [LoggerMessage(14, LogLevel.Warning, "The {Role} pod {Endpoint} did not answer within {Seconds}s [request_id={RequestId}]")]
        public static partial void LegTimedOut(ILogger logger, string role, string endpoint, double seconds, string requestId);

        [LoggerMessage(15, LogLevel.Warning, "The decode stream from {Endpoint} broke off after the answer began [request_id={RequestId}]")]
        public static partial void DecodeStreamBroke(ILogger logger, string endpoint, string requestId);

        [LoggerMessage(16, LogLevel.Information, "The client disconnected during {Phase} [request_id={RequestId}]")]
        public static partial void ClientDisconnected(ILogger logger, string requestId, string phase);

        [LoggerMessage(18, LogLevel.Warning, "Prefill failed ({Reason}); retrying on {Endpoint} [request_id={RequestId}]")]
        public static partial void RetryingPrefill(ILogger logger, string reason, string endpoint, string requestId);

        [LoggerMessage(19, LogLevel.Warning, "Decode on {Endpoint} failed before its first byte ({Reason}); redoing the whole flow on other pods [request_id={RequestId}]")]
        public static partial void RedoingFlow(ILogger logger, string reason, string endpoint, string requestId);

        [LoggerMessage(20, LogLevel.Information, "The client disconnected after prefill, before decode: {What} [request_id={RequestId}]")]
        public static partial void DisconnectedBeforeDecode(ILogger logger, string what, string requestId);

        [LoggerMessage(21, LogLevel.Information, "Decode turned the request down after prefill: {What} [request_id={RequestId}]")]
        public static partial void DecodeRejectedKv(ILogger logger, string what, string requestId);

        [LoggerMessage(22, LogLevel.Information, "The decode pod picked could not be reached, so no decode pod took the prefill's params: {What} [request_id={RequestId}]")]
        public static partial void DecodeUnreachedKv(ILogger logger, string what, string requestId);

        [LoggerMessage(23, LogLevel.Warning, "Prefill pod {Endpoint} returned a kv_transfer_params.remote_host that is not a host name or IP address; replaced with the pod's own host [request_id={RequestId}]")]
        public static partial void MalformedRemoteHostReplaced(ILogger logger, string endpoint, string requestId);

        [LoggerMessage(24, LogLevel.Warning, "Prefill pod {Endpoint} returned a kv_transfer_params.remote_host that is not a host name or IP address; failing the request (--kv-remote-host never) [request_id={RequestId}]")]
        public static partial void MalformedRemoteHostRefused(ILogger logger, string endpoint, string requestId);

        [LoggerMessage(40, LogLevel.Information, "The decode connection was reset or closed before an answer, so the pod may not have taken the prefill's params: {What} [request_id={RequestId}]")]
        public static partial void DecodeResetKv(ILogger logger, string what, string requestId);

        [LoggerMessage(41, LogLevel.Information, "Decode answered 5xx, so the pod may not have taken the prefill's params: {What} [request_id={RequestId}]")]
        public static partial void DecodeServerErrorKv(ILogger logger, string what, string requestId);

        [LoggerMessage(42, LogLevel.Information, "Decode did not answer within the first-byte timeout, so the pod may not have taken the prefill's params: {What} [request_id={RequestId}]")]
        public static partial void DecodeTimeoutKv(ILogger logger, string what, string requestId);

        [LoggerMessage(43, LogLevel.Warning, "No room in the buffer budget for the {What} within the wait ({HeldBytes} bytes read, budget {BudgetBytes} bytes); answered 503 [request_id={RequestId}]")]
        public static partial void BufferBudgetExhausted(ILogger logger, string what, long heldBytes, long budgetBytes, string requestId);

        [LoggerMessage(44, LogLevel.Debug, "Picked prefill {Prefill} ({PrefillReason}) and decode {Decode} ({DecodeReason}) [request_id={RequestId}]")]
        public static partial void PodsPicked(ILogger logger, string prefill, string prefillReason, string decode, string decodeReason, string requestId);

        [LoggerMessage(45, LogLevel.Debug, "Picked prefill {Prefill} ({PrefillReason}) for the retry [request_id={RequestId}]")]
        public static partial void PrefillRetryPicked(ILogger logger, string prefill, string prefillReason, string requestId);

        [LoggerMessage(25, LogLevel.Debug, "The request body could not be read: {Reason} [request_id={RequestId}]")]
        public static partial void UnreadableBody(ILogger logger, string reason, string requestId);

        [LoggerMessage(17, LogLevel.Error, "Unexpected failure handling the request [request_id={RequestId}]")]
        public static partial void UnexpectedFailure(ILogger logger, string requestId, Exception exception);
    }
}
