using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FastRouter.Discovery;
using FastRouter.Engines;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Telemetry;

/// <summary>
/// <c>GET /engines</c>: production-stack's list of engines (<c>engine_id</c>, <c>serving_models</c>, <c>created</c>,
/// the Unix second the router first saw the pod), extended with the pod's URL, role, state and in-flight counts.
/// Written with <see cref="Utf8JsonWriter"/>, so it needs no serializer metadata under AOT.
/// </summary>
internal sealed class EnginesEndpoint
{
    private readonly RouterMetrics _metrics;

    public EnginesEndpoint(RouterMetrics metrics)
    {
        _metrics = metrics;
    }

    public byte[] Render()
    {
        RoutingTable table = _metrics.Discovery.Current;
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach ((Backend pod, PodStats stats) in _metrics.Pods.Snapshot(table))
            {
                json.WriteStartObject();
                json.WriteString("engine_id"u8, EngineId(pod.Name));
                json.WriteStartArray("serving_models"u8);
                foreach (string model in pod.Models ?? [])
                {
                    json.WriteStringValue(model);
                }

                json.WriteEndArray();
                json.WriteNumber("created"u8, stats.FirstSeen.ToUnixTimeSeconds());
                json.WriteString("url"u8, pod.Name);
                json.WriteString("role"u8, MetricLabels.RoleOf(pod.Role));
                json.WriteString("state"u8, !stats.Known ? "retired" : stats.Ejected ? "ejected" : "ready");
                json.WriteNumber("in_flight"u8, pod.InFlight);
                json.WriteNumber("in_prefill"u8, stats.InPrefill);
                json.WriteNumber("in_decoding"u8, stats.InDecoding);
                json.WriteNumber("requests"u8, pod.Requests);
                json.WriteNumber("failures"u8, pod.Failures);
                WriteFigure(json, "router_prompt_tokens_per_second"u8, Math.Round(pod.OwnPromptRate.PerSecond, 1));
                WriteEngine(json, pod.Engine);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public Task HandleAsync(HttpContext context) => JsonStatusResponse.WriteAsync(context, Render);

    /// <summary>
    /// The pod's last good <c>/metrics</c> scrape, null before the first; <c>age_seconds</c> grows while scrapes
    /// fail. Figures the engine did not report are null.
    /// </summary>
    private void WriteEngine(Utf8JsonWriter json, EngineSnapshot? engine)
    {
        if (engine is null)
        {
            json.WriteNull("engine"u8);
            return;
        }

        json.WriteStartObject("engine"u8);
        json.WriteNumber("age_seconds"u8, Math.Round(_metrics.Time.GetElapsedTime(engine.ReceivedAt).TotalSeconds, 3));
        json.WriteNumber("num_requests_running"u8, engine.Running);
        json.WriteNumber("num_requests_waiting"u8, engine.Waiting);
        WriteFigure(json, "kv_cache_usage_perc"u8, engine.KvCacheUsage);
        WriteFigure(json, "prefix_cache_queries"u8, engine.PrefixCacheQueries);
        WriteFigure(json, "prefix_cache_hits"u8, engine.PrefixCacheHits);
        WriteFigure(json, "prefix_cache_hit_rate"u8, engine.PrefixCacheHitRate);
        WriteFigure(json, "prompt_tokens"u8, engine.PromptTokens);
        WriteFigure(json, "generation_tokens"u8, engine.GenerationTokens);
        WriteFigure(json, "prompt_tokens_per_second"u8, Math.Round(engine.PromptTokensPerSecond, 1));
        json.WriteNumber("router_in_flight_at_scrape"u8, engine.RouterInFlightAtScrape);
        json.WriteEndObject();
    }

    private static void WriteFigure(Utf8JsonWriter json, ReadOnlySpan<byte> name, double value)
    {
        if (double.IsNaN(value))
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteNumber(name, value);
        }
    }

    /// <summary>A name-based UUID (version 5, DNS namespace) of the pod's URL: stable across restarts of the router.</summary>
    internal static string EngineId(string name)
    {
        Span<byte> input = stackalloc byte[16 + Encoding.UTF8.GetMaxByteCount(name.Length)];
        Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8").TryWriteBytes(input, bigEndian: true, out _);
        int length = 16 + Encoding.UTF8.GetBytes(name, input[16..]);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what RFC 4122 version 5 UUIDs are defined with; nothing here is a security use.
        SHA1.HashData(input[..length], hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true).ToString();
    }
}
