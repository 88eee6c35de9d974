using BenchmarkDotNet.Attributes;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Proxying;
using FastRouter.Telemetry;

namespace FastRouter.Benchmarks;

/// <summary>
/// Everything RouterMetrics records for one streamed request (two legs, TTFT, handoff, 16 events, usage, end),
/// with /metrics' collector listening ("with") and with nobody listening ("without": the API still runs, its
/// instruments are disabled). The usage scanner that feeds the token counters has its own benchmarks
/// (<see cref="UsageScannerBenchmarks"/>).
/// </summary>
[MemoryDiagnoser]
public class RouterMetricsBenchmarks
{
    private StaticDiscovery _discovery = null!;
    private RouterMetrics _with = null!;
    private MetricsEndpoint _endpoint = null!;
    private RouterMetrics _without = null!;
    private Backend _prefill = null!;
    private Backend _decode = null!;

    [GlobalSetup]
    public void Setup()
    {
        RouterOptions options = TwoPodOptions.Create();
        _discovery = new StaticDiscovery(options);
        _with = new RouterMetrics(_discovery, options);
        _endpoint = new MetricsEndpoint(_with);
        _without = new RouterMetrics(_discovery, options);
        _prefill = _discovery.Current.Backends[0];
        _decode = _discovery.Current.Backends[1];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _endpoint.Dispose();
        _with.Dispose();
        _without.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void StreamedRequest_WithoutListener() => Request(_without);

    [Benchmark]
    public void StreamedRequest_WithPrometheusCollector() => Request(_with);

    [Benchmark]
    public int Scrape() => _endpoint.Render().Length;

    private void Request(RouterMetrics metrics)
    {
        RequestClock clock = RequestClock.Start();
        metrics.RequestStarted();
        metrics.RequestRouted("m");
        BackendCall prefill = metrics.BackendCallStarted(_prefill, "m");
        metrics.BackendFirstByte(ref prefill);
        metrics.BackendCallCompleted(ref prefill, BackendOutcome.Success);
        long answered = metrics.Time.GetTimestamp();
        BackendCall decode = metrics.BackendCallStarted(_decode, "m");
        metrics.BackendFirstByte(ref decode);
        long flushed = metrics.FirstByteToClient(_decode, clock.StartedAt, answered);
        for (int i = 0; i < 16; i++)
        {
            flushed = metrics.StreamEventsFlushed(decode, flushed);
        }

        metrics.Tokens(decode, 812, 256);
        metrics.BackendCallCompleted(ref decode, BackendOutcome.Success);
        TimeSpan elapsed = clock.Elapsed;
        metrics.RequestCompleted(CompletionEndpoint.ChatCompletions, true, 200, false, elapsed, clock.RouterTime(elapsed));
    }
}
