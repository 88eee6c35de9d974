using FastRouter.Telemetry.ConsoleLog;
using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>
/// The seven lines every request writes at Information, production-stack's (the seed checks them with
/// <c>kubectl logs</c>) with the request id added. When the router's own console logger writing text is the only
/// provider, as the process runs, a line is written straight into that logger's buffer from its typed values: the
/// generic path (the logger factory's loop, the state boxed as a list, a boxed double, the template parsed per line)
/// cost about twice as much router CPU per request (docs/architecture.md, "Logging"). Otherwise (JSON lines, a test's
/// capturing provider, any other provider) each line goes through its source-generated <c>LoggerMessage</c>, whose
/// text the direct lines match byte for byte. Thread-safe.
/// </summary>
internal sealed partial class RequestLog
{
    private readonly ILogger _logger;
    private readonly RouterConsoleLogger? _console;
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
            _console = console;
            _directEnabled = logger.IsEnabled(LogLevel.Information);
        }
    }

    /// <summary>Whether lines skip the generic logging path (for tests: both paths must write the same bytes).</summary>
    public bool IsDirect => _console is not null;

    /// <summary>
    /// Whether the lines are written at all (Information enabled for the category). The router's level rules are
    /// set once at start-up, so the direct path asks them once; the generic path asks the logger each time.
    /// </summary>
    public bool IsEnabled => _console is not null ? _directEnabled : _logger.IsEnabled(LogLevel.Information);

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

        if (_console is not { } console)
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

        LineBuffer line;
        LinePosition position;
        if (first)
        {
            line = console.BeginLine(LogLevel.Information, 1, out position);
            line.Write("Starting orchestrated disaggregated inference"u8);
            EndMessage(line, requestId);
            console.NextLine(line, LogLevel.Information, 2, ref position);
        }
        else
        {
            line = console.BeginLine(LogLevel.Information, 2, out position);
        }

        line.Write("Prefill endpoint: "u8);
        LogMessageWriter.WriteChars(prefillEndpoint, line);
        EndMessage(line, requestId);
        console.NextLine(line, LogLevel.Information, 3, ref position);
        line.Write("Decode endpoint: "u8);
        LogMessageWriter.WriteChars(decodeEndpoint, line);
        EndMessage(line, requestId);
        console.NextLine(line, LogLevel.Information, 4, ref position);
        line.Write("Sending prefill request to "u8);
        LogMessageWriter.WriteChars(prefillUri.ToString(), line);
        EndMessage(line, requestId);
        console.EndLine(line, position);
    }

    /// <summary><c>Sending prefill request to</c> alone: a prefill retry within the same try of the flow.</summary>
    public void SendingPrefill(Uri uri, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_console is not { } console)
        {
            LogSendingPrefill(_logger, uri, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 4, out LinePosition position);
        line.Write("Sending prefill request to "u8);
        LogMessageWriter.WriteChars(uri.ToString(), line);
        EndLine(console, line, position, requestId);
    }

    public void PrefillCompleted(double seconds, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_console is not { } console)
        {
            LogPrefillCompleted(_logger, seconds, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 5, out LinePosition position);
        line.Write("Prefill completed in "u8);
        LogMessageWriter.WriteNumber(seconds, "F2", line);
        line.Write("s (TTFT)"u8);
        EndLine(console, line, position, requestId);
    }

    public void SendingDecode(Uri uri, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_console is not { } console)
        {
            LogSendingDecode(_logger, uri, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 7, out LinePosition position);
        line.Write("Sending decode request to "u8);
        LogMessageWriter.WriteChars(uri.ToString(), line);
        EndLine(console, line, position, requestId);
    }

    public void Completed(double seconds, string requestId)
    {
        if (!IsEnabled)
        {
            return;
        }

        if (_console is not { } console)
        {
            LogCompleted(_logger, seconds, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 8, out LinePosition position);
        line.Write("Orchestrated request completed, total time = "u8);
        LogMessageWriter.WriteNumber(seconds, "F2", line);
        line.Write("s"u8);
        EndLine(console, line, position, requestId);
    }

    /// <summary>Every message's end: <c> [request_id=…]</c>, as each template has it.</summary>
    private static void EndMessage(LineBuffer line, string requestId)
    {
        line.Write(" [request_id="u8);
        LogMessageWriter.WriteChars(requestId, line);
        line.Write((byte)']');
    }

    private static void EndLine(RouterConsoleLogger console, LineBuffer line, in LinePosition position, string requestId)
    {
        EndMessage(line, requestId);
        console.EndLine(line, position);
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

    [LoggerMessage(7, LogLevel.Information, "Sending decode request to {Uri} [request_id={RequestId}]", EventName = "SendingDecode")]
    private static partial void LogSendingDecode(ILogger logger, Uri uri, string requestId);

    [LoggerMessage(8, LogLevel.Information, "Orchestrated request completed, total time = {Seconds:F2}s [request_id={RequestId}]", EventName = "Completed")]
    private static partial void LogCompleted(ILogger logger, double seconds, string requestId);
}
