using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// One category's logger of <see cref="RouterConsoleLoggerProvider"/>: formats the line on the caller's thread into
/// that thread's <see cref="LineBuffer"/> and hands the bytes to the writer, which never blocks the caller.
/// </summary>
internal sealed class RouterConsoleLogger : ILogger
{
    private readonly RouterConsoleLoggerProvider _provider;
    private readonly string _category;
    private readonly byte[] _categoryUtf8;

    public RouterConsoleLogger(RouterConsoleLoggerProvider provider, string category)
    {
        _provider = provider;
        _category = category;
        _categoryUtf8 = Encoding.UTF8.GetBytes(category);
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <summary>Levels are filtered by the logger factory's rules (--log-level); this one writes whatever reaches it.</summary>
    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel == LogLevel.None)
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(formatter);
        var entry = new LogEntry<TState>(logLevel, _category, eventId, state, exception, formatter);
        LineBuffer line = LineBuffer.For();
        bool written = _provider.Json is { } json
            ? json.TryWrite(entry, line)
            : TextLineFormatter.TryWrite(entry, _categoryUtf8, _provider.Time.GetUtcNow().UtcDateTime, line);
        if (written)
        {
            _provider.Writer.TryWrite(line.WrittenSpan);
        }
    }

    /// <summary>
    /// Starts a text line written by a caller that knows its message's parts and types (Proxying.RequestLog), in
    /// this thread's buffer: the caller writes the message after the header, may go on with <see cref="NextLine"/>,
    /// and hands the buffer to <see cref="EndLine"/>. The caller has checked the level; only for text lines
    /// (<see cref="WritesText"/>).
    /// </summary>
    public LineBuffer BeginLine(LogLevel level, int eventId, out LinePosition position)
    {
        LineBuffer line = LineBuffer.For();
        DateTime now = _provider.Time.GetUtcNow().UtcDateTime;
        position = new LinePosition(TextLineFormatter.WriteHeader(level, _categoryUtf8, eventId, now, line), now, 1);
        return line;
    }

    /// <summary>
    /// Ends the line in <paramref name="line"/> and begins another after it, with the same timestamp: lines a caller
    /// writes together (the first four of a request) then cost one clock read and one hand-over to the writer.
    /// </summary>
    public void NextLine(LineBuffer line, LogLevel level, int eventId, ref LinePosition position)
    {
        TextLineFormatter.EndLine(position.MessageStart, line);
        position = new LinePosition(TextLineFormatter.WriteHeader(level, _categoryUtf8, eventId, position.Timestamp, line), position.Timestamp, position.Lines + 1);
    }

    /// <summary>Ends the lines begun by <see cref="BeginLine"/> and queues them as <see cref="Log"/> does.</summary>
    public void EndLine(LineBuffer line, in LinePosition position)
    {
        TextLineFormatter.EndLine(position.MessageStart, line);
        _provider.Writer.TryWrite(line.WrittenSpan, position.Lines);
    }

    /// <summary>Whether lines are text (not --log-format json), the only format <see cref="BeginLine"/> writes.</summary>
    public bool WritesText => _provider.Json is null;
}
