using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// --log-format text: <c>2025-01-01 00:00:00.000 info: Category[eventId] message</c>, one line per entry (an
/// exception follows the message on the same line), as the .NET simple console's single-line form with a UTC
/// timestamp, written straight into UTF-8.
/// </summary>
internal static class TextLineFormatter
{
    /// <summary>Writes the entry, its newline included; false when it has nothing to say (no message, no exception).</summary>
    public static bool TryWrite<TState>(in LogEntry<TState> entry, ReadOnlySpan<byte> category, DateTime utcNow, LineBuffer output)
    {
        int messageStart = WriteHeader(entry.LogLevel, category, entry.EventId.Id, utcNow, output);
        if (entry.State is not IReadOnlyList<KeyValuePair<string, object?>> fields || !LogMessageWriter.TryWrite(fields, output))
        {
            LogMessageWriter.WriteChars(entry.Formatter(entry.State, entry.Exception), output);
        }

        if (entry.Exception is { } exception)
        {
            output.Write((byte)' ');
            LogMessageWriter.WriteChars(exception.ToString(), output);
        }
        else if (output.WrittenCount == messageStart)
        {
            return false;
        }

        EndLine(messageStart, output);
        return true;
    }

    /// <summary>Writes everything before the message: timestamp, level, category and event id; returns where the message starts.</summary>
    private static int WriteHeader(LogLevel level, ReadOnlySpan<byte> category, int eventId, DateTime utcNow, LineBuffer output)
    {
        Span<byte> span = output.GetSpan(Timestamps.MaxLength + 1);
        int written = Timestamps.WriteText(utcNow, span);
        span[written] = (byte)' ';
        output.Advance(written + 1);
        output.Write(LevelPrefix(level));
        output.Write(category);
        output.Write((byte)'[');
        span = output.GetSpan(11);
        eventId.TryFormat(span, out written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
        output.Write("] "u8);
        return output.WrittenCount;
    }

    /// <summary>Ends the line the message of which began at <paramref name="messageStart"/>: one line, newline included.</summary>
    public static void EndLine(int messageStart, LineBuffer output)
    {
        output.FlattenFrom(messageStart);
        output.Write((byte)'\n');
    }

    /// <summary>The simple console's level names, so existing log searches still match.</summary>
    public static ReadOnlySpan<byte> LevelPrefix(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce: "u8,
        LogLevel.Debug => "dbug: "u8,
        LogLevel.Information => "info: "u8,
        LogLevel.Warning => "warn: "u8,
        LogLevel.Error => "fail: "u8,
        LogLevel.Critical => "crit: "u8,
        _ => "none: "u8,
    };
}
