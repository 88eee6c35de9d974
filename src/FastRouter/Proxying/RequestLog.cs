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
        }
    }

    /// <summary>Whether lines skip the generic logging path (for tests: both paths must write the same bytes).</summary>
    public bool IsDirect => _console is not null;

    public void Starting(string requestId)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        if (_console is not { } console)
        {
            LogStarting(_logger, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 1, out int messageStart);
        line.Write("Starting orchestrated disaggregated inference"u8);
        EndLine(console, line, messageStart, requestId);
    }

    public void PrefillEndpoint(string endpoint, string requestId)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        if (_console is not { } console)
        {
            LogPrefillEndpoint(_logger, endpoint, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 2, out int messageStart);
        line.Write("Prefill endpoint: "u8);
        LogMessageWriter.WriteChars(endpoint, line);
        EndLine(console, line, messageStart, requestId);
    }

    public void DecodeEndpoint(string endpoint, string requestId)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        if (_console is not { } console)
        {
            LogDecodeEndpoint(_logger, endpoint, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 3, out int messageStart);
        line.Write("Decode endpoint: "u8);
        LogMessageWriter.WriteChars(endpoint, line);
        EndLine(console, line, messageStart, requestId);
    }

    public void SendingPrefill(Uri uri, string requestId)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        if (_console is not { } console)
        {
            LogSendingPrefill(_logger, uri, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 4, out int messageStart);
        line.Write("Sending prefill request to "u8);
        LogMessageWriter.WriteChars(uri.ToString(), line);
        EndLine(console, line, messageStart, requestId);
    }

    public void PrefillCompleted(double seconds, string requestId)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        if (_console is not { } console)
        {
            LogPrefillCompleted(_logger, seconds, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 5, out int messageStart);
        line.Write("Prefill completed in "u8);
        LogMessageWriter.WriteNumber(seconds, "F2", line);
        line.Write("s (TTFT)"u8);
        EndLine(console, line, messageStart, requestId);
    }

    public void SendingDecode(Uri uri, string requestId)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        if (_console is not { } console)
        {
            LogSendingDecode(_logger, uri, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 7, out int messageStart);
        line.Write("Sending decode request to "u8);
        LogMessageWriter.WriteChars(uri.ToString(), line);
        EndLine(console, line, messageStart, requestId);
    }

    public void Completed(double seconds, string requestId)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        if (_console is not { } console)
        {
            LogCompleted(_logger, seconds, requestId);
            return;
        }

        LineBuffer line = console.BeginLine(LogLevel.Information, 8, out int messageStart);
        line.Write("Orchestrated request completed, total time = "u8);
        LogMessageWriter.WriteNumber(seconds, "F2", line);
        line.Write("s"u8);
        EndLine(console, line, messageStart, requestId);
    }

    /// <summary>Every line's end: <c> [request_id=…]</c>, as each template has it.</summary>
    private static void EndLine(RouterConsoleLogger console, LineBuffer line, int messageStart, string requestId)
    {
        line.Write(" [request_id="u8);
        LogMessageWriter.WriteChars(requestId, line);
        line.Write((byte)']');
        console.EndLine(line, messageStart);
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
