using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Telemetry;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Telemetry;

/// <summary>The vllm:* gauges mean what production-stack's request_stats.py makes them mean.</summary>
public sealed class ProductionStackGaugeTests : IAsyncDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly StaticDiscovery _discovery;
    private readonly RouterMetrics _metrics;
    private readonly MetricsEndpoint _endpoint;

    public ProductionStackGaugeTests()
    {
        var options = new RouterOptions
        {
            StaticBackends =
            [
                new StaticBackendOptions(new Uri("http://10.0.0.1:8000"), "m", "prefill"),
                new StaticBackendOptions(new Uri("http://10.0.0.2:8000"), "m", "decode"),
            ],
            PrefillModelLabels = ["prefill"],
            DecodeModelLabels = ["decode"],
        };
        _discovery = new StaticDiscovery(options);
        _metrics = new RouterMetrics(_discovery, options, _time);
        _endpoint = new MetricsEndpoint(_metrics);
    }

    private Backend Prefill => _discovery.Current.Backends[0];

    private Backend Decode => _discovery.Current.Backends[1];

    [Fact]
    public void CurrentQps_IsCallsStartedInTheLast60SecondsDividedBy60()
    {
        for (int i = 0; i < 30; i++)
        {
            BackendCall call = _metrics.BackendCallStarted(Decode, "m");
            _metrics.BackendCallCompleted(ref call, BackendOutcome.Success);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(0.5, Scrape().Single("vllm:current_qps", ("server", "http://10.0.0.2:8000")), 6);

        // 45 s later the window (the current second and the 59 before it) holds the last 14 calls.
        _time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(14 / 60.0, Scrape().Single("vllm:current_qps", ("server", "http://10.0.0.2:8000")), 6);
        Assert.Equal(0, Scrape().Single("vllm:current_qps", ("server", "http://10.0.0.1:8000")));
    }

    [Fact]
    public void TheWindow_IsRequestStatsWindow()
    {
        var options = new RouterOptions
        {
            StaticBackends = [new StaticBackendOptions(new Uri("http://10.0.0.3:8000"), "m", "decode")],
            PrefillModelLabels = ["prefill"],
            DecodeModelLabels = ["decode"],
            RequestStatsWindowSeconds = 10,
        };
        var discovery = new StaticDiscovery(options);
        using var metrics = new RouterMetrics(discovery, options, _time);
        using var endpoint = new MetricsEndpoint(metrics);
        for (int i = 0; i < 30; i++)
        {
            BackendCall call = metrics.BackendCallStarted(discovery.Current.Backends[0], "m");
            metrics.BackendCallCompleted(ref call, BackendOutcome.Success);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // The window (the current second, 30, and the 9 before it) holds the calls of seconds 21 to 29; a 60 s window would read 30 / 60.
        Assert.Equal(0.9, PrometheusText.Parse(endpoint.Render()).Single("vllm:current_qps", ("server", "http://10.0.0.3:8000")), 6);
    }

    [Fact]
    public void PrefillAndDecodingCounts_FollowTheCallsState_AndRunningIsTheirSum()
    {
        BackendCall waiting = _metrics.BackendCallStarted(Decode, "m");
        BackendCall streaming = _metrics.BackendCallStarted(Decode, "m");
        _metrics.BackendFirstByte(ref streaming);
        PrometheusText metrics = Scrape();
        Assert.Equal(1, metrics.Single("vllm:num_prefill_requests", ("server", Decode.Name)));
        Assert.Equal(1, metrics.Single("vllm:num_decoding_requests", ("server", Decode.Name)));
        Assert.Equal(2, metrics.Single("vllm:num_requests_running", ("server", Decode.Name)));

        _metrics.BackendCallCompleted(ref waiting, BackendOutcome.Timeout);
        _metrics.BackendCallCompleted(ref streaming, BackendOutcome.Success);
        _metrics.BackendCallCompleted(ref streaming, BackendOutcome.Success); // a second completion is ignored
        metrics = Scrape();
        Assert.Equal(0, metrics.Single("vllm:num_requests_running", ("server", Decode.Name)));
        Assert.Equal(1, metrics.Single("vllm:request_errors_total", ("server", Decode.Name), ("model", "m"), ("error_type", "timeout")));
    }

    [Fact]
    public void AvgLatencyAndItl_AreMeansOverTheWindow_OrMinusOneWithoutSamples()
    {
        Assert.Equal(-1, Scrape().Single("vllm:avg_latency", ("server", Decode.Name)));
        Assert.Equal(-1, Scrape().Single("vllm:avg_itl", ("server", Decode.Name)));

        foreach (int seconds in (int[])[2, 4])
        {
            BackendCall call = _metrics.BackendCallStarted(Decode, "m");
            _metrics.BackendFirstByte(ref call);
            long flushed = _metrics.FirstByteToClient(Decode, _time.GetTimestamp(), 0);
            _time.Advance(TimeSpan.FromMilliseconds(50));
            flushed = _metrics.StreamEventsFlushed(call, flushed);
            _time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(50));
            _metrics.StreamEventsFlushed(call, flushed);
            _metrics.BackendCallCompleted(ref call, BackendOutcome.Success);
        }

        PrometheusText metrics = Scrape();
        Assert.Equal(3, metrics.Single("vllm:avg_latency", ("server", Decode.Name)), 6);
        Assert.Equal((0.05 + 1.95 + 0.05 + 3.95) / 4, metrics.Single("vllm:avg_itl", ("server", Decode.Name)), 6);

        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(-1, Scrape().Single("vllm:avg_latency", ("server", Decode.Name)));
    }

    [Fact]
    public void HealthyPods_IsZeroWhileEjected()
    {
        _metrics.Ejected(Prefill);
        PrometheusText metrics = Scrape();
        Assert.Equal(0, metrics.Single("vllm:healthy_pods_total", ("server", Prefill.Name)));
        Assert.Equal(1, metrics.Single("vllm:healthy_pods_total", ("server", Decode.Name)));
        Assert.Equal(1, metrics.Single("fastrouter_pods", ("role", "prefill"), ("state", "ejected")));
        _metrics.Readmitted(Prefill);
        Assert.Equal(1, Scrape().Single("vllm:healthy_pods_total", ("server", Prefill.Name)));
    }

    public async ValueTask DisposeAsync()
    {
        _endpoint.Dispose();
        _metrics.Dispose();
        await _discovery.DisposeAsync();
    }

    private PrometheusText Scrape() => PrometheusText.Parse(_endpoint.Render());
}
