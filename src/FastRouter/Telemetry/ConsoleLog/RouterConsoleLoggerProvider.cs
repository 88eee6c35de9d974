using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// The router's console logging, text or JSON lines (--log-format), in place of the .NET console logger: that one
/// formats a string per line and writes each line with a call of its own, which made the per-request lines cost
/// about a third of the router's CPU per request. Here a line is formatted into a reused UTF-8 buffer and written
/// in batches by <see cref="ConsoleLogWriter"/>, which drops and counts lines rather than slow a request when the
/// console does not keep up.
/// </summary>
internal sealed class RouterConsoleLoggerProvider : ILoggerProvider
{
    private const string Category = "FastRouter.Telemetry.ConsoleLog";

    private readonly ConcurrentDictionary<string, RouterConsoleLogger> _loggers = new(StringComparer.Ordinal);

    public RouterConsoleLoggerProvider(Stream output, LogFormat format, TimeProvider time, int bufferBytes = ConsoleLogWriter.DefaultBufferBytes)
    {
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        Json = format == LogFormat.Json ? new JsonLineFormatter(time) : null;
        Writer = new ConsoleLogWriter(output, WriteDroppedWarning, bufferBytes);
    }

    public ConsoleLogWriter Writer { get; }

    /// <summary>The JSON formatter with --log-format json; null for text lines.</summary>
    public JsonLineFormatter? Json { get; }

    public TimeProvider Time { get; }

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (name, provider) => new RouterConsoleLogger(provider, name), this);

    /// <summary>Writes what is still buffered, then stops the writer.</summary>
    public void Dispose() => Writer.Dispose();

    /// <summary>The warning the writer adds once the output moves again, in the same format as every other line.</summary>
    private void WriteDroppedWarning(long dropped, LineBuffer output)
    {
        var state = new DroppedLines(dropped);
        var entry = new LogEntry<DroppedLines>(LogLevel.Warning, Category, new EventId(1, "LogLinesDropped"), state, null, static (s, _) => s.ToString());
        if (Json is { } json)
        {
            json.TryWrite(entry, output);
        }
        else
        {
            TextLineFormatter.TryWrite(entry, "FastRouter.Telemetry.ConsoleLog"u8, Time.GetUtcNow().UtcDateTime, output);
        }
    }
}
