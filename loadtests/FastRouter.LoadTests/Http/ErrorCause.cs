namespace FastRouter.LoadTests.Http;

/// <summary>Why a request failed; each cause is counted apart so a report says what went wrong, not just how often.</summary>
internal enum ErrorCause
{
    /// <summary>The answer's status was 4xx.</summary>
    Http4xx,

    /// <summary>The answer's status was 5xx.</summary>
    Http5xx,

    /// <summary>Any other non-2xx status (1xx, 3xx: this client follows no redirects).</summary>
    HttpOtherStatus,

    /// <summary>Nobody listened on the target's port.</summary>
    ConnectionRefused,

    /// <summary>The connection was reset or closed before the answer was complete.</summary>
    ConnectionReset,

    /// <summary>The request took longer than <c>--timeout</c>.</summary>
    Timeout,

    /// <summary>A stream carried a <c>data: {"error":…}</c> event (vLLM's way to fail after the 200 was sent).</summary>
    SseErrorEvent,

    /// <summary>A stream ended cleanly but without <c>data: [DONE]</c>.</summary>
    StreamEndedWithoutDone,

    /// <summary>A 200 that cannot be used: no event stream where one was asked for, no kv_transfer_params from a direct prefill.</summary>
    BadResponse,

    /// <summary>Anything else thrown on the client side.</summary>
    ClientException,
}
