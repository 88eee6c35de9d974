using FastRouter.Telemetry;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Telemetry;

public sealed class MetricsEndpointTests
{
    /// <summary>Every family the brief asks for, by its exposition name.</summary>
    internal static readonly string[] RequiredFamilies =
    [
        "fastrouter_request_duration_seconds", "fastrouter_time_to_first_token_seconds", "fastrouter_prefill_duration_seconds",
        "fastrouter_kv_handoff_seconds", "fastrouter_inter_event_gap_seconds", "fastrouter_router_time_seconds",
        "fastrouter_decode_duration_seconds",
        "fastrouter_requests_total", "fastrouter_backend_calls_total", "fastrouter_retries_total", "fastrouter_ejections_total",
        "fastrouter_missing_kv_params_total", "fastrouter_client_disconnects_total", "fastrouter_decode_drains_total", "fastrouter_tokens_total",
        "fastrouter_requests_in_flight", "fastrouter_backend_in_flight", "fastrouter_pods",
        "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds",
        "dotnet_gc_heap_total_allocated_bytes_total", "dotnet_gc_pause_time_seconds_total", "dotnet_thread_pool_queue_length",
        "dotnet_gc_last_collection_heap_size_bytes", "dotnet_process_cpu_time_seconds_total",
        "vllm:current_qps", "vllm:avg_latency", "vllm:avg_itl", "vllm:num_requests_running", "vllm:num_prefill_requests",
        "vllm:num_decoding_requests", "vllm:request_errors_total", "vllm:healthy_pods_total", "vllm:avg_decoding_length",
        "vllm:num_requests_swapped", "vllm:num_incoming_requests_total", "vllm:input_tokens_total", "vllm:output_tokens_total",
        "vllm:request_latency_seconds",
    ];

    [Fact]
    public async Task Metrics_AfterTraffic_ParsesAndHasEveryFamilyWithCountsMatchingRequests()
    {
        // A gap between tokens, so stream events arrive (and are flushed) one by one, as from a real engine.
        await using TelemetryTestHost host = await TelemetryTestHost.StartAsync(
            decodeOptions: new FastRouter.Simulation.SimulatorOptions { Role = FastRouter.Simulation.SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(20) });
        const int streamed = 5;
        const int plain = 3;
        // Real traffic: the proxy records every request-level series itself.
        for (int i = 0; i < streamed; i++)
        {
            await host.CompleteAsync(stream: true);
        }

        for (int i = 0; i < plain; i++)
        {
            await host.CompleteAsync(stream: false);
        }

        // Rare events (retries, ejections, disconnects, drains) are driven through the same API the proxy calls.
        MetricsFlow.RareEvents(host.Metrics, host.Prefill);
        var metrics = PrometheusText.Parse(await host.ScrapeAsync());

        foreach (string family in RequiredFamilies)
        {
            Assert.True(metrics.Types.ContainsKey(family), "missing family " + family);
        }

        const int total = streamed + plain;
        string prefill = host.Prefill.Name;
        string decode = host.Decode.Name;
        Assert.Equal(total, metrics.Sum("fastrouter_requests_total", ("status_class", "2xx")));
        Assert.Equal(streamed, metrics.Single("fastrouter_requests_total", ("stream", "true"), ("route", "/v1/completions")));
        Assert.Equal(total, metrics.Sum("fastrouter_request_duration_seconds_count", ("outcome", "success")));
        Assert.Equal(total, metrics.Single("fastrouter_time_to_first_token_seconds_count", ("pod", decode)));
        Assert.Equal(total, metrics.Single("fastrouter_kv_handoff_seconds_count", ("pod", decode)));
        Assert.Equal(total, metrics.Single("fastrouter_prefill_duration_seconds_count", ("pod", prefill), ("outcome", "success")));
        // Each stream has four token events and [DONE]; events that arrive together are flushed together.
        Assert.InRange(metrics.Single("fastrouter_inter_event_gap_seconds_count", ("pod", decode)), streamed, streamed * 4);
        Assert.Equal(total, metrics.Single("fastrouter_router_time_seconds_count", ("route", "/v1/completions")));
        Assert.Equal(total, metrics.Single("fastrouter_backend_calls_total", ("role", "decode"), ("pod", decode), ("outcome", "success")));
        // Usage comes with non-streamed answers (streams here do not ask for include_usage).
        Assert.True(metrics.Single("fastrouter_tokens_total", ("kind", "prompt")) >= plain);
        Assert.Equal(plain * 4, metrics.Single("fastrouter_tokens_total", ("kind", "completion")));
        Assert.Equal(1, metrics.Single("fastrouter_retries_total", ("role", "prefill"), ("reason", "connection_error")));
        Assert.Equal(1, metrics.Single("fastrouter_ejections_total", ("role", "prefill"), ("pod", prefill)));
        Assert.Equal(1, metrics.Single("fastrouter_missing_kv_params_total", ("policy", "fallback")));
        Assert.Equal(1, metrics.Single("fastrouter_client_disconnects_total", ("phase", "decode")));
        Assert.Equal(1, metrics.Single("fastrouter_decode_drains_total", ("cause", "client_left")));
        Assert.Equal(0, metrics.Single("fastrouter_requests_in_flight"));
        Assert.Equal(1, metrics.Single("fastrouter_pods", ("role", "prefill"), ("state", "ready")));
        Assert.Equal(0, metrics.Single("fastrouter_pods", ("role", "decode"), ("state", "ejected")));
        Assert.Equal(0, metrics.Single("fastrouter_backend_in_flight", ("role", "decode"), ("pod", decode)));

        // Router time is a part of the whole; durations are positive and small here.
        Assert.True(metrics.Sum("fastrouter_router_time_seconds_sum") <= metrics.Sum("fastrouter_request_duration_seconds_sum"));
        Assert.True(metrics.Single("process_cpu_seconds_total") > 0);
        Assert.True(metrics.Single("process_resident_memory_bytes") > 1_000_000);
        Assert.True(metrics.Sum("dotnet_gc_heap_total_allocated_bytes_total") > 0);

        // production-stack names, same server label (the pod URL).
        Assert.Equal(total, metrics.Single("vllm:num_incoming_requests_total", ("model", TelemetryTestHost.Model)));
        Assert.Equal(plain * 4, metrics.Single("vllm:output_tokens_total", ("server", decode), ("model", TelemetryTestHost.Model)));
        Assert.Equal(total, metrics.Sum("vllm:request_latency_seconds_count", ("server", decode)));
        Assert.Equal(1, metrics.Single("vllm:healthy_pods_total", ("server", prefill)));
        Assert.Equal(total / 60.0, metrics.Single("vllm:current_qps", ("server", decode)), 6);
        Assert.True(metrics.Single("vllm:avg_latency", ("server", decode)) >= 0);
        Assert.True(metrics.Single("vllm:avg_itl", ("server", decode)) >= 0);
        Assert.Equal(4, metrics.Single("vllm:avg_decoding_length", ("server", decode)), 6);
        Assert.Equal(0, metrics.Single("vllm:num_requests_running", ("server", decode)));
    }

    [Fact]
    public async Task Metrics_OnSeparateMetricsPort_ServesOnlyMetrics()
    {
        int port = FreePort.Get();
        await using TelemetryTestHost host = await TelemetryTestHost.StartAsync(o => o with { MetricsPort = port });
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
