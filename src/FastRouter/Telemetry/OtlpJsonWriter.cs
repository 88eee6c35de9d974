using FastRouter.Configuration;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace FastRouter.Telemetry;

/// <summary>
/// Writes finished activities as an OTLP <c>ExportTraceServiceRequest</c> in the OTLP/HTTP JSON encoding
/// (opentelemetry-proto's JSON mapping: hex trace and span ids, 64-bit integers as decimal strings, enums as
/// numbers), with <see cref="Utf8JsonWriter"/> only, so it needs no generated protobuf code or reflection.
/// </summary>
internal static class OtlpJsonWriter
{
    public static byte[] Write(IReadOnlyList<Activity> spans, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var buffer = new ArrayBufferWriter<byte>(1024 + (spans.Count * 512));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("resourceSpans"u8);
            json.WriteStartObject();
            json.WriteStartObject("resource"u8);
            json.WriteStartArray("attributes"u8);
            StringAttribute(json, "service.name", serviceName);
            StringAttribute(json, "service.version", RouterCommandLine.GetVersion());
            StringAttribute(json, "telemetry.sdk.name", "fastrouter");
            StringAttribute(json, "telemetry.sdk.language", "dotnet");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartArray("scopeSpans"u8);
            json.WriteStartObject();
            json.WriteStartObject("scope"u8);
            json.WriteString("name"u8, RouterTracing.SourceName);
            json.WriteString("version"u8, RouterCommandLine.GetVersion());
            json.WriteEndObject();
            json.WriteStartArray("spans"u8);
            foreach (Activity span in spans)
            {
                WriteSpan(json, span);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSpan(Utf8JsonWriter json, Activity span)
    {
        json.WriteStartObject();
        json.WriteString("traceId"u8, span.TraceId.ToHexString());
        json.WriteString("spanId"u8, span.SpanId.ToHexString());
        if (span.ParentSpanId != default)
        {
            json.WriteString("parentSpanId"u8, span.ParentSpanId.ToHexString());
        }

        if (span.TraceStateString is { Length: > 0 } traceState)
        {
            json.WriteString("traceState"u8, traceState);
        }

        json.WriteString("name"u8, span.DisplayName);
        json.WriteNumber("kind"u8, span.Kind switch
        {
            ActivityKind.Server => 2,
            ActivityKind.Client => 3,
            ActivityKind.Producer => 4,
            ActivityKind.Consumer => 5,
            _ => 1,
        });
        long start = UnixNanos(span.StartTimeUtc);
        json.WriteString("startTimeUnixNano"u8, start.ToString(CultureInfo.InvariantCulture));
        json.WriteString("endTimeUnixNano"u8, (start + (span.Duration.Ticks * 100)).ToString(CultureInfo.InvariantCulture));
        json.WriteStartArray("attributes"u8);
        foreach (KeyValuePair<string, object?> tag in span.TagObjects)
        {
            switch (tag.Value)
            {
                case string text:
                    StringAttribute(json, tag.Key, text);
                    break;
                case int or long or short:
                    // OTLP/JSON carries 64-bit integers as strings.
                    BeginAttribute(json, tag.Key);
                    json.WriteString("intValue"u8, Convert.ToInt64(tag.Value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                    EndAttribute(json);
                    break;
                case bool flag:
                    BeginAttribute(json, tag.Key);
                    json.WriteBoolean("boolValue"u8, flag);
                    EndAttribute(json);
                    break;
                case double number:
                    BeginAttribute(json, tag.Key);
                    json.WriteNumber("doubleValue"u8, number);
                    EndAttribute(json);
                    break;
                case null:
                    break;
                default:
                    StringAttribute(json, tag.Key, tag.Value.ToString() ?? string.Empty);
                    break;
            }
        }

        json.WriteEndArray();
        json.WriteStartObject("status"u8);
        if (span.Status == ActivityStatusCode.Error)
        {
            json.WriteNumber("code"u8, 2);
            if (span.StatusDescription is { } description)
            {
                json.WriteString("message"u8, description);
            }
        }
        else
        {
            json.WriteNumber("code"u8, span.Status == ActivityStatusCode.Ok ? 1 : 0);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void StringAttribute(Utf8JsonWriter json, string key, string value)
    {
        BeginAttribute(json, key);
        json.WriteString("stringValue"u8, value);
        EndAttribute(json);
    }

    /// <summary>Opens <c>{"key": key, "value": {</c>; the caller writes the one typed value field.</summary>
    private static void BeginAttribute(Utf8JsonWriter json, string key)
    {
        json.WriteStartObject();
        json.WriteString("key"u8, key);
        json.WriteStartObject("value"u8);
    }

    private static void EndAttribute(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static long UnixNanos(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
