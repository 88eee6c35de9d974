using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace FastRouter.Telemetry;

/// <summary>
/// --log-format json: one JSON object per line, flat, for log pipelines:
/// <c>{"timestamp":"2025-01-01T00:00:00.000Z","level":"info","category":"…","event_id":5,"event":"PrefillCompleted",
/// "message":"…","request_id":"…","trace_id":"…","span_id":"…", …the message's own fields in snake_case…}</c>.
/// Fields come from the structured state of source-generated log messages (pods, durations, statuses), so
/// nothing is parsed out of text. Fields whose names suggest secrets or prompt text are never written.
/// </summary>
internal sealed class JsonLineFormatter : ConsoleFormatter
{
    public const string FormatterName = "fastrouter-json";

    /// <summary>Log lines are not HTML: keep '+', quotes in text and non-ASCII readable (still valid JSON).</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The snake_case spelling of each field name, made once: the messages have a few dozen field names between them,
    /// and every line would otherwise build a string per field. Bounded, so odd names cannot grow it.
    /// </summary>
    private static readonly StringPool FieldNames = new(256);

    private readonly TimeProvider _time;

    public JsonLineFormatter()
        : this(TimeProvider.System)
    {
    }

    public JsonLineFormatter(TimeProvider time)
        : base(FormatterName)
    {
        _time = time;
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        using var buffer = new ArrayPoolBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            Span<char> timestamp = stackalloc char[32];
            _time.GetUtcNow().UtcDateTime.TryFormat(timestamp, out int timestampLength, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            json.WriteString("timestamp"u8, timestamp[..timestampLength]);
            json.WriteString("level"u8, LevelName(logEntry.LogLevel));
            json.WriteString("category"u8, logEntry.Category);
            json.WriteNumber("event_id"u8, logEntry.EventId.Id);
            if (logEntry.EventId.Name is { } eventName)
            {
                json.WriteString("event"u8, eventName);
            }

            json.WriteString("message"u8, message);
            if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
            {
                json.WriteString("trace_id"u8, activity.TraceId.ToHexString());
                json.WriteString("span_id"u8, activity.SpanId.ToHexString());
            }

            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                foreach (KeyValuePair<string, object?> field in fields)
                {
                    WriteField(json, field.Key, field.Value);
                }
            }

            if (logEntry.Exception is { } exception)
            {
                json.WriteString("exception_type"u8, exception.GetType().FullName);
                json.WriteString("exception"u8, exception.ToString());
            }

            json.WriteEndObject();
        }

        // Decoded into pooled memory, not a string: the console logger's writer copies the characters anyway.
        using SpanOwner<char> text = SpanOwner<char>.Allocate(Encoding.UTF8.GetMaxCharCount(buffer.WrittenCount));
        int length = Encoding.UTF8.GetChars(buffer.WrittenSpan, text.Span);
        textWriter.Write(text.Span[..length]);
        textWriter.Write('\n');
    }

    /// <summary>PascalCase or camelCase to snake_case: <c>RequestId</c> → <c>request_id</c>.</summary>
    internal static string SnakeCase(string name)
    {
        // At most one '_' before each character.
        Span<char> text = name.Length <= 128 ? stackalloc char[name.Length * 2] : new char[name.Length * 2];
        int length = 0;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsAsciiLetterUpper(c))
            {
                if (i > 0 && (char.IsAsciiLetterLower(name[i - 1]) || char.IsAsciiDigit(name[i - 1])))
                {
                    text[length++] = '_';
                }

                text[length++] = char.ToLowerInvariant(c);
            }
            else
            {
                text[length++] = c == '.' || c == '-' ? '_' : c;
            }
        }

        return FieldNames.GetOrAdd(text[..length]);
    }

    /// <summary>Names never written: the router does not log such values, and this keeps a future mistake out of log stores.</summary>
    internal static bool IsSensitive(string name) =>
        name.Contains("prompt", StringComparison.OrdinalIgnoreCase)
        || name.Contains("message", StringComparison.OrdinalIgnoreCase)
        || name.Contains("key", StringComparison.OrdinalIgnoreCase)
        || name.Contains("authorization", StringComparison.OrdinalIgnoreCase)
        || name.Contains("token", StringComparison.OrdinalIgnoreCase)
        || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || name.Contains("password", StringComparison.OrdinalIgnoreCase);

    private static void WriteField(Utf8JsonWriter json, string key, object? value)
    {
        if (key == "{OriginalFormat}" || IsSensitive(key))
        {
            return;
        }

        string name = SnakeCase(key);
        if (name is "timestamp" or "level" or "category" or "event_id" or "event" or "trace_id" or "span_id")
        {
            name = "field_" + name;
        }

        switch (value)
        {
            case null:
                json.WriteNull(name);
                break;
            case string text:
                json.WriteString(name, text);
                break;
            case bool flag:
                json.WriteBoolean(name, flag);
                break;
            case int number:
                json.WriteNumber(name, number);
                break;
            case long number:
                json.WriteNumber(name, number);
                break;
            case double number when double.IsFinite(number):
                json.WriteNumber(name, number);
                break;
            case IFormattable formattable:
                json.WriteString(name, formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString(name, value.ToString());
                break;
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };
}
