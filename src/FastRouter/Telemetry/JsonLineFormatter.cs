using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastRouter.Telemetry.ConsoleLog;
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

    private const int MaxCachedFieldNames = 1024;

    /// <summary>Log lines are not HTML: keep '+', quotes in text and non-ASCII readable (still valid JSON).</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly ConcurrentDictionary<string, JsonEncodedText?> FieldNames = new(StringComparer.Ordinal);

    /// <summary>One writer per thread, reset onto each line's buffer: a Utf8JsonWriter per line would be most of its garbage.</summary>
    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

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
        LineBuffer line = LineBuffer.For();
        if (TryWrite(logEntry, line))
        {
            textWriter.Write(Encoding.UTF8.GetString(line.WrittenSpan));
        }
    }

    /// <summary>
    /// Writes the entry as one JSON line, its newline included, into <paramref name="output"/>; false when it has
    /// nothing to say (no message, no exception). The message is written from the template, and field names are
    /// escaped once per name, so a line of a source-generated message allocates only its boxed values.
    /// </summary>
    public bool TryWrite<TState>(in LogEntry<TState> logEntry, LineBuffer output)
    {
        ArgumentNullException.ThrowIfNull(output);
        IReadOnlyList<KeyValuePair<string, object?>>? fields = logEntry.State as IReadOnlyList<KeyValuePair<string, object?>>;
        LineBuffer message = LineBuffer.ForMessage();
        if (fields is null || !LogMessageWriter.TryWrite(fields, message))
        {
            string? text = logEntry.Formatter(logEntry.State, logEntry.Exception);
            if (text is null && logEntry.Exception is null)
            {
                return false;
            }

            LogMessageWriter.WriteChars(text, message);
        }

        Utf8JsonWriter json = WriterFor(output);
        json.WriteStartObject();
        Span<byte> timestamp = stackalloc byte[Timestamps.MaxLength];
        int timestampLength = Timestamps.WriteJson(_time.GetUtcNow().UtcDateTime, timestamp);
        json.WriteString("timestamp"u8, timestamp[..timestampLength]);
        json.WriteString("level"u8, LevelName(logEntry.LogLevel));
        json.WriteString("category"u8, logEntry.Category);
        json.WriteNumber("event_id"u8, logEntry.EventId.Id);
        if (logEntry.EventId.Name is { } eventName)
        {
            json.WriteString("event"u8, eventName);
        }

        json.WriteString("message"u8, message.WrittenSpan);
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            json.WriteString("trace_id"u8, activity.TraceId.ToHexString());
            json.WriteString("span_id"u8, activity.SpanId.ToHexString());
        }

        if (fields is not null)
        {
            for (int i = 0; i < fields.Count; i++)
            {
                KeyValuePair<string, object?> field = fields[i];
                WriteField(json, field.Key, field.Value);
            }
        }

        if (logEntry.Exception is { } exception)
        {
            json.WriteString("exception_type"u8, exception.GetType().FullName);
            json.WriteString("exception"u8, exception.ToString());
        }

        json.WriteEndObject();
        json.Flush();
        output.Write((byte)'\n');
        return true;
    }

    /// <summary>PascalCase or camelCase to snake_case: <c>RequestId</c> → <c>request_id</c>.</summary>
    internal static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsAsciiLetterUpper(c))
            {
                if (i > 0 && (char.IsAsciiLetterLower(name[i - 1]) || char.IsAsciiDigit(name[i - 1])))
                {
                    text.Append('_');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c == '.' || c == '-' ? '_' : c);
            }
        }

        return text.ToString();
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
        if (FieldNameFor(key) is not { } name)
        {
            return;
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

    /// <summary>The field's JSON name, escaped once per key; null for keys never written.</summary>
    private static JsonEncodedText? FieldNameFor(string key)
    {
        if (FieldNames.TryGetValue(key, out JsonEncodedText? cached))
        {
            return cached;
        }

        JsonEncodedText? name = null;
        if (key != "{OriginalFormat}" && !IsSensitive(key))
        {
            string snake = SnakeCase(key);
            if (snake is "timestamp" or "level" or "category" or "event_id" or "event" or "trace_id" or "span_id")
            {
                snake = "field_" + snake;
            }

            name = JsonEncodedText.Encode(snake, WriterOptions.Encoder);
        }

        // Keys come from message templates, a fixed set; the bound only guards against a library inventing them.
        if (FieldNames.Count < MaxCachedFieldNames)
        {
            FieldNames.TryAdd(key, name);
        }

        return name;
    }

    private static Utf8JsonWriter WriterFor(LineBuffer output)
    {
        if (t_json is null)
        {
            t_json = new Utf8JsonWriter(output, WriterOptions);
        }
        else
        {
            t_json.Reset(output);
        }

        return t_json;
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
