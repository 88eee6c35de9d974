using FastRouter.LoadTests.Http;

namespace FastRouter.LoadTests.Reporting;

/// <summary>How each <see cref="ErrorCause"/> is spelled in the reports.</summary>
internal static class ErrorNames
{
    public static string Key(ErrorCause cause) => cause switch
    {
        ErrorCause.Http4xx => "http_4xx",
        ErrorCause.Http5xx => "http_5xx",
        ErrorCause.HttpOtherStatus => "http_other_status",
        ErrorCause.ConnectionRefused => "connection_refused",
        ErrorCause.ConnectionReset => "connection_reset",
        ErrorCause.Timeout => "timeout",
        ErrorCause.SseErrorEvent => "sse_error_event",
        ErrorCause.StreamEndedWithoutDone => "stream_ended_without_done",
        ErrorCause.BadResponse => "bad_response",
        ErrorCause.ClientException => "client_exception",
        _ => throw new ArgumentOutOfRangeException(nameof(cause)),
    };
}
