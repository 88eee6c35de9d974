using FastRouter.Telemetry.ConsoleLog;
using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>
/// The seven lines every request writes at Information, production-stack's (the seed checks them with
/// <c>kubectl logs</c>) with the request id added; a request served by its decode pod alone writes
/// <c>Serving decode-only on</c> in place of the four that name and send the prefill leg. When the router's own console logger writing text is the only
/// provider, as the process runs, a line is queued to that logger's writer as its template and typed values, and
/// formatted on the writer's thread: the generic path (the logger factory's loop, the state boxed as a list, a boxed
/// double, the template parsed per line, formatted on the request's thread) cost several times as much router CPU
/// per request (docs/architecture.md, "Logging"). Otherwise (JSON lines, a test's capturing provider, any other
/// provider) each line goes through its source-generated <c>LoggerMessage</c>, whose text the direct lines match
/// byte for byte. Thread-safe.
/// </summary>
internal sealed partial class RequestLog
{
    private readonly ILogger _logger;
    private readonly DirectRequestLines? _direct;
    private readonly bool _directEnabled;

    /// <param name="logger">The logger of <paramref name="category"/>, whose level rules decide what is written.</param>
    /// <param name="category">The category name <paramref name="logger"/> logs under.</param>
    /// <param name="providers">The logger factory's providers: the direct path needs ours, writing text, alone.</param>
    public RequestLog(ILogger logger, string category, IEnumerable<ILoggerProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(providers);
        _logger = logger;
        RouterConsoleLoggerProvider? only = null;
        int count = 0;
        foreach (ILoggerProvider provider in providers)
        {
            count++;
            only = provider as RouterConsoleLoggerProvider;
        }

        if (count == 1 && only?.CreateLogger(category) is RouterConsoleLogger { WritesText: true } console)
        {
            _direct = new DirectRequestLines(console);
            _directEnabled = logger.IsEnabled(LogLevel.Information);
        }
    }

    /// <summary>Whether lines skip the generic logging path (for tests: both paths must write the same bytes).</summary>
    public bool IsDirect => _direct is not null;

    /// <summary>
    /// Whether the lines are written at all (Information enabled for the category). The router's level rules are
    /// set once at start-up, so the direct path asks them once; the generic path asks the logger each time.
    /// </summary>
    public bool IsEnabled => _direct is not null ? _directEnabled : _logger.IsEnabled(LogLevel.Information);

    /// <summary>
    /// The lines of one try of the flow, as it starts: <c>Starting orchestrated disaggregated inference</c> (on the
    /// first try only), <c>Prefill endpoint</c>, <c>Decode endpoint</c> and <c>Sending prefill request to</c>. The
    /// router writes them together, before the prefill leg's first await, so they go out as one group.
    /// </summary>
    public void Attempt(bool first, string prefillEndpoint, string decodeEndpoint, Uri prefillUri, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_direct is not { } direct)
        {
            if (first)
            {
                LogStarting(_logger, requestId);
            }

            LogPrefillEndpoint(_logger, prefillEndpoint, requestId);
            LogDecodeEndpoint(_logger, decodeEndpoint, requestId);
            LogSendingPrefill(_logger, prefillUri, requestId);
            return;
        }

        DateTime now = direct.Console.UtcNow;
        string prefillText = prefillUri.ToString();
        if (first)
        {
            direct.Console.Write(
            [
                QueuedLine.Of(direct.Starting, now, null, requestId),
                QueuedLine.Of(direct.PrefillEndpoint, now, prefillEndpoint, requestId),
                QueuedLine.Of(direct.DecodeEndpoint, now, decodeEndpoint, requestId),
                QueuedLine.Of(direct.SendingPrefill, now, prefillText, requestId),
            ]);
        }
        else
        {
            direct.Console.Write(
            [
                QueuedLine.Of(direct.PrefillEndpoint, now, prefillEndpoint, requestId),
                QueuedLine.Of(direct.DecodeEndpoint, now, decodeEndpoint, requestId),
                QueuedLine.Of(direct.SendingPrefill, now, prefillText, requestId),
            ]);
        }
    }

    /// <summary><c>Sending prefill request to</c> alone: a prefill retry within the same try of the flow.</summary>
    public void SendingPrefill(Uri uri, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_direct is not { } direct)
        {
            LogSendingPrefill(_logger, uri, requestId);
            return;
        }

        direct.Console.Write([QueuedLine.Of(direct.SendingPrefill, direct.Console.UtcNow, uri.ToString(), requestId)]);
    }

    public void PrefillCompleted(double seconds, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_direct is not { } direct)
        {
            LogPrefillCompleted(_logger, seconds, requestId);
            return;
        }

        direct.Console.Write([QueuedLine.Of(direct.PrefillCompleted, direct.Console.UtcNow, seconds, requestId)]);
    }

    /// <summary>
    /// <c>Serving decode-only on</c>, in place of the first four lines, for a try of the flow that sends no prefill
    /// leg (<see cref="Disaggregation.DisaggregationDecision"/>): what the router really does, with the reason, so the
    /// seed's lines keep meaning a prefill→decode flow.
    /// </summary>
    public void DecodeOnly(string decodeEndpoint, Disaggregation.DisaggregationDecision decision, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_direct is not { } direct)
        {
            // The reason as the metric's label reads, so a line and a series can be matched.
            LogDecodeOnly(_logger, decodeEndpoint, Telemetry.MetricLabels.ReasonOf(decision), requestId);
            return;
        }

        LineTemplate template = decision == Disaggregation.DisaggregationDecision.DecodeOnlyShortUncached ? direct.DecodeOnlyShortUncached : direct.DecodeOnlyNoPrefill;
        direct.Console.Write([QueuedLine.Of(template, direct.Console.UtcNow, decodeEndpoint, requestId)]);
    }

    public void SendingDecode(Uri uri, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_direct is not { } direct)
        {
            LogSendingDecode(_logger, uri, requestId);
            return;
        }

        direct.Console.Write([QueuedLine.Of(direct.SendingDecode, direct.Console.UtcNow, uri.ToString(), requestId)]);
    }

    public void Completed(double seconds, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_direct is not { } direct)
        {
            LogCompleted(_logger, seconds, requestId);
            return;
        }

        direct.Console.Write([QueuedLine.Of(direct.Completed, direct.Console.UtcNow, seconds, requestId)]);
    }

    [LoggerMessage(1, LogLevel.Information, "Starting orchestrated disaggregated inference [request_id={RequestId}]", EventName = "Starting")]
    private static partial void LogStarting(ILogger logger, string requestId);

    [LoggerMessage(2, LogLevel.Information, "Prefill endpoint: {Endpoint} [request_id={RequestId}]", EventName = "PrefillEndpoint")]
    private static partial void LogPrefillEndpoint(ILogger logger, string endpoint, string requestId);

    [LoggerMessage(3, LogLevel.Information, "Decode endpoint: {Endpoint} [request_id={RequestId}]", EventName = "DecodeEndpoint")]
    private static partial void LogDecodeEndpoint(ILogger logger, string endpoint, string requestId);

    [LoggerMessage(4, LogLevel.Information, "Sending prefill request to {Uri} [request_id={RequestId}]", EventName = "SendingPrefill")]
    private static partial void LogSendingPrefill(ILogger logger, Uri uri, string requestId);

    [LoggerMessage(5, LogLevel.Information, "Prefill completed in {Seconds:F2}s (TTFT) [request_id={RequestId}]", EventName = "PrefillCompleted")]
    private static partial void LogPrefillCompleted(ILogger logger, double seconds, string requestId);

    [LoggerMessage(9, LogLevel.Information, "Serving decode-only on {Endpoint} ({Reason}) [request_id={RequestId}]", EventName = "DecodeOnly")]
    private static partial void LogDecodeOnly(ILogger logger, string endpoint, string reason, string requestId);

    [LoggerMessage(7, LogLevel.Information, "Sending decode request to {Uri} [request_id={RequestId}]", EventName = "SendingDecode")]
    private static partial void LogSendingDecode(ILogger logger, Uri uri, string requestId);

    [LoggerMessage(8, LogLevel.Information, "Orchestrated request completed, total time = {Seconds:F2}s [request_id={RequestId}]", EventName = "Completed")]
    private static partial void LogCompleted(ILogger logger, double seconds, string requestId);
}
