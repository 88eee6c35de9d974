using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// One category's logger of <see cref="RouterConsoleLoggerProvider"/>: formats the line on the caller's thread into
/// that thread's <see cref="LineBuffer"/> and hands the bytes to the writer, which never blocks the caller; or, for
/// lines known in advance, hands the writer their template and values (<see cref="Template"/>, <see cref="Write"/>).
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
    /// A line of this category whose parts are known in advance, for a caller that queues its values alone
    /// (Proxying.RequestLog) with <see cref="Write"/>. Only for text lines (<see cref="WritesText"/>).
    /// </summary>
    public LineTemplate Template(LogLevel level, int eventId, string before, string after = "", string? numberFormat = null) =>
        new(level, _category, eventId, before, after, numberFormat);

    /// <summary>The time a line written now is stamped with.</summary>
    public DateTime UtcNow => _provider.Time.GetUtcNow().UtcDateTime;

    /// <summary>Queues templated lines, all or none; the caller has checked the level.</summary>
    public void Write(ReadOnlySpan<QueuedLine> lines) => _provider.Writer.TryWrite(lines);

    /// <summary>Whether lines are text (not --log-format json), the only format <see cref="Template"/> lines are.</summary>
    public bool WritesText => _provider.Json is null;
}
