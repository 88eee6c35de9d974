using System.Text.RegularExpressions;
using FastRouter.Telemetry;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Telemetry;

public sealed partial class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_AfterRealTraffic_HasEveryDocumentedFamily_WithTheExactCountsTheTrafficMoved()
    {
        await using RouterTestHarness host = await EveryEventTraffic.StartAsync();
        long promptTokens = await EveryEventTraffic.DriveAsync(host);
        var metrics = PrometheusText.Parse(await host.ScrapeAsync());

        // Every family docs/observability.md lists, with at least one series: each was moved by the traffic above.
        foreach (string family in DocumentedFamilies())
        {
            Assert.True(metrics.Types.ContainsKey(family), "missing family " + family);
            Assert.True(metrics.Samples.Any(s => s.Name == family || s.Name == family + "_count"), "no series of " + family);
        }

        const string Route = "/v1/completions";
        const int Streamed = EveryEventTraffic.Streamed;
        const int Plain = EveryEventTraffic.Plain;
        const int Tokens = EveryEventTraffic.TokensPerAnswer;
        string prefill = RouterTestHarness.PodName(host.Prefill[0]);
        string decode = RouterTestHarness.PodName(host.Decode[0]);
        string noKvPrefill = RouterTestHarness.PodName(host.Prefill[1]);
        string noKvDecode = RouterTestHarness.PodName(host.Decode[1]);

        // Client requests: the streams, the plain ones, the one without params, the one redone after decode's 500
        // (all answered 200), the stream left midway (its 200 was sent), and the one whose prefill kept failing.
        Assert.Equal(Streamed + 1, metrics.Single("fastrouter_requests_total", ("route", Route), ("stream", "true"), ("status_class", "2xx")));
        Assert.Equal(Plain + 2, metrics.Single("fastrouter_requests_total", ("route", Route), ("stream", "false"), ("status_class", "2xx")));
        Assert.Equal(1, metrics.Single("fastrouter_requests_total", ("route", Route), ("stream", "false"), ("status_class", "5xx")));
        Assert.Equal(Streamed + Plain + 2, metrics.Sum("fastrouter_request_duration_seconds_count", ("outcome", "success")));
        Assert.Equal(1, metrics.Sum("fastrouter_request_duration_seconds_count", ("outcome", "client_disconnected")));
        Assert.Equal(1, metrics.Sum("fastrouter_request_duration_seconds_count", ("outcome", "error")));
        Assert.Equal(Streamed + Plain + 4, metrics.Single("fastrouter_router_time_seconds_count", ("route", Route)));

        // Prefill legs: one per answered request on each route, the redone flow's second, and three 500s.
        Assert.Equal(Streamed + Plain + 2, metrics.Single("fastrouter_prefill_duration_seconds_count", ("pod", prefill), ("outcome", "success")));
        Assert.Equal(3, metrics.Single("fastrouter_prefill_duration_seconds_count", ("pod", prefill), ("outcome", "server_error")));
        Assert.Equal(2, metrics.Single("fastrouter_prefill_duration_seconds_count", ("pod", noKvPrefill), ("outcome", "success")));
        Assert.Equal(3, metrics.Single("fastrouter_backend_calls_total", ("role", "prefill"), ("pod", prefill), ("outcome", "server_error")));

        // Decode legs (a drain is no decode leg: it is counted as a drain).
        Assert.Equal(Streamed + Plain + 1, metrics.Single("fastrouter_backend_calls_total", ("role", "decode"), ("pod", decode), ("outcome", "success")));
        Assert.Equal(1, metrics.Single("fastrouter_backend_calls_total", ("role", "decode"), ("pod", decode), ("outcome", "server_error")));
        Assert.Equal(1, metrics.Single("fastrouter_backend_calls_total", ("role", "decode"), ("pod", noKvDecode), ("outcome", "success")));
        Assert.Equal(1, metrics.Single("fastrouter_backend_calls_total", ("role", "decode"), ("pod", noKvDecode), ("outcome", "cancelled")));
        Assert.Equal(Streamed + Plain + 1, metrics.Single("fastrouter_decode_duration_seconds_count", ("pod", decode), ("outcome", "success")));
        Assert.Equal(Streamed + Plain + 1, metrics.Single("fastrouter_time_to_first_token_seconds_count", ("pod", decode)));
        Assert.Equal(Streamed + Plain + 1, metrics.Single("fastrouter_kv_handoff_seconds_count", ("pod", decode)));
        Assert.Equal(2, metrics.Single("fastrouter_time_to_first_token_seconds_count", ("pod", noKvDecode)));

        // Each stream has four token events and [DONE]; events that arrive together are flushed together.
        Assert.InRange(metrics.Single("fastrouter_inter_event_gap_seconds_count", ("pod", decode)), Streamed, Streamed * Tokens);

        // Usage comes with non-streamed answers only (the streams do not ask for include_usage).
        Assert.Equal((Plain + 2) * Tokens, metrics.Single("fastrouter_tokens_total", ("kind", "completion")));
        Assert.Equal(promptTokens, metrics.Single("fastrouter_tokens_total", ("kind", "prompt")));

        // The rare events, each exactly as often as the traffic caused it.
        Assert.Equal(2, metrics.Single("fastrouter_retries_total", ("role", "prefill"), ("reason", "server_error")));
        Assert.Equal(1, metrics.Single("fastrouter_retries_total", ("role", "decode"), ("reason", "server_error")));
        Assert.Equal(3, metrics.Sum("fastrouter_retries_total"));
        Assert.Equal(1, metrics.Single("fastrouter_ejections_total", ("role", "prefill"), ("pod", prefill)));
        Assert.Equal(1, metrics.Sum("fastrouter_ejections_total"));
        Assert.Equal(2, metrics.Single("fastrouter_missing_kv_params_total", ("policy", "fallback")));
        Assert.Equal(1, metrics.Single("fastrouter_client_disconnects_total", ("phase", "decode")));
        Assert.Equal(1, metrics.Sum("fastrouter_client_disconnects_total"));
        Assert.Equal(1, metrics.Single("fastrouter_decode_drains_total", ("cause", "decode_server_error")));
        Assert.Equal(1, metrics.Sum("fastrouter_decode_drains_total"));
        Assert.Equal(0, metrics.Single("fastrouter_buffer_budget_rejections_total"));
        Assert.Equal(0, metrics.Single("fastrouter_buffered_bytes"));

        // Nothing left in flight; the failing prefill pod stays ejected.
        Assert.Equal(0, metrics.Single("fastrouter_requests_in_flight"));
        Assert.Equal(0, metrics.Sum("fastrouter_backend_in_flight"));
        Assert.Equal(1, metrics.Single("fastrouter_pods", ("role", "prefill"), ("state", "ready")));
        Assert.Equal(1, metrics.Single("fastrouter_pods", ("role", "prefill"), ("state", "ejected")));
        Assert.Equal(2, metrics.Single("fastrouter_pods", ("role", "decode"), ("state", "ready")));
        Assert.Equal(0, metrics.Single("fastrouter_pods", ("role", "decode"), ("state", "ejected")));

        // Router time is a part of the whole.
        Assert.True(metrics.Sum("fastrouter_router_time_seconds_sum") <= metrics.Sum("fastrouter_request_duration_seconds_sum"));
        Assert.True(metrics.Single("process_cpu_seconds_total") > 0);
        Assert.True(metrics.Single("process_resident_memory_bytes") > 1_000_000);
        Assert.True(metrics.Sum("dotnet_gc_heap_total_allocated_bytes_total") > 0);

        // production-stack's names: per model as routed, per backend call with the pod URL as server.
        const string Model = RouterTestHarness.Model;
        Assert.Equal(Streamed + Plain + 2, metrics.Single("vllm:num_incoming_requests_total", ("model", Model)));
        Assert.Equal(2, metrics.Single("vllm:num_incoming_requests_total", ("model", EveryEventTraffic.NoKvModel)));
        Assert.Equal((Plain + 1) * Tokens, metrics.Single("vllm:output_tokens_total", ("server", decode), ("model", Model)));
        Assert.Equal(Tokens, metrics.Single("vllm:output_tokens_total", ("server", noKvDecode), ("model", EveryEventTraffic.NoKvModel)));
        Assert.Equal(Streamed + Plain + 2, metrics.Sum("vllm:request_latency_seconds_count", ("server", decode)));
        Assert.Equal(1, metrics.Single("vllm:request_latency_seconds_count", ("server", decode), ("status", "error")));
        Assert.Equal(3, metrics.Single("vllm:request_errors_total", ("server", prefill), ("model", Model), ("error_type", "server_error")));
        Assert.Equal(1, metrics.Single("vllm:request_errors_total", ("server", decode), ("model", Model), ("error_type", "server_error")));
        Assert.Equal(0, metrics.Single("vllm:healthy_pods_total", ("server", prefill)));
        Assert.Equal(1, metrics.Single("vllm:healthy_pods_total", ("server", noKvPrefill)));
        Assert.Equal(1, metrics.Single("vllm:healthy_pods_total", ("server", decode)));
        Assert.Equal((Streamed + Plain + 2) / 60.0, metrics.Single("vllm:current_qps", ("server", decode)), 6);
        Assert.Equal(Tokens, metrics.Single("vllm:avg_decoding_length", ("server", decode)), 6);
        Assert.True(metrics.Single("vllm:avg_latency", ("server", decode)) > 0);
        Assert.True(metrics.Single("vllm:avg_itl", ("server", decode)) > 0);
        Assert.Equal(0, metrics.Single("vllm:num_requests_running", ("server", decode)));
        Assert.Equal(0, metrics.Single("vllm:num_requests_swapped", ("server", decode)));
    }

    /// <summary>
    /// The families docs/observability.md promises under "/metrics": the first column of its tables and the names of
    /// its "Process and runtime" paragraph. The console's dropped-lines counter exists only with the router's own
    /// console logger, which in-process hosts replace (ConsoleLogTests and AotConsoleLogTests read it).
    /// </summary>
    /// <summary>
    /// Fed only by an engine that serves vLLM's prefix-cache counters, which the simulator does not (yet);
    /// EngineStatsScraperTests and AotEngineStatsTests read them from a fake pod.
    /// </summary>
    private static readonly string[] EngineCacheFamilies =
        ["vllm:gpu_prefix_cache_hit_rate", "vllm:gpu_prefix_cache_hits_total", "vllm:gpu_prefix_cache_queries_total"];

    /// <summary>
    /// Series per model queue, which exists once a request of that model has waited (a saturated fleet), and the
    /// per-client limits' family, present with a limit set: FlowControlTests read each of them after such traffic.
    /// </summary>
    private static readonly string[] FlowControlFamilies =
    [
        "fastrouter_queue_waiting", "fastrouter_queue_dispatched_total", "fastrouter_queue_rejections_total",
        "fastrouter_queue_wait_seconds", "fastrouter_client_limit_rejections_total",
    ];

    internal static List<string> DocumentedFamilies()
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "observability.md"));
        int start = text.IndexOf("\n## /metrics", StringComparison.Ordinal);
        int end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/observability.md has no /metrics section");
        var families = new List<string>();
        bool runtime = false;
        foreach (string line in text[start..end].Split('\n'))
        {
            runtime = line.StartsWith("### ", StringComparison.Ordinal) ? line.Contains("Process and runtime", StringComparison.Ordinal) : runtime;
            string source = line.StartsWith('|') ? line.Split('|')[1] : runtime ? line : "";
            foreach (Match name in DocumentedName().Matches(source))
            {
                string family = name.Groups[1].Value;
                if (family != "fastrouter_log_lines_dropped_total" && !EngineCacheFamilies.Contains(family) && !FlowControlFamilies.Contains(family) && !families.Contains(family))
                {
                    families.Add(family);
                }
            }
        }

        Assert.True(families.Count >= 40, "only " + families.Count + " families found in docs/observability.md");
        return families;
    }

    [GeneratedRegex("`((?:fastrouter_|vllm:|process_|dotnet_)[a-z0-9_:]+)(?:\\{[^}]*\\})?`")]
    private static partial Regex DocumentedName();

    [Fact]
    public async Task Metrics_OnSeparateMetricsPort_ServesOnlyMetrics()
    {
        int port = FreePort.Get();
        await using RouterTestHarness host = await RouterTestHarness.StartAsync(o => o with { MetricsPort = port });
        var address = new Uri("http://127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var metrics = PrometheusText.Parse(await host.ScrapeAsync(address));
        Assert.True(metrics.Types.ContainsKey("vllm:healthy_pods_total"));
        using HttpResponseMessage other = await host.Client.GetAsync(new Uri(address, "/v1/models"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Metrics_LabelValuesAreEscaped()
    {
        using var meter = new System.Diagnostics.Metrics.Meter("test-escape");
        using var collector = new MetricsCollector(meter, includeRuntime: false);
        meter.CreateCounter<long>("odd").Add(2, new KeyValuePair<string, object?>("pod", "a\"b\\c\nd"));
        var text = new System.Text.StringBuilder();
        collector.Collect(text, static (builder, family) => PrometheusTextWriter.Write(builder, family));
        var parsed = PrometheusText.Parse(text.ToString());
        Assert.Equal(2, parsed.Single("odd_total", ("pod", "a\"b\\c\nd")));
    }
}
