using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using FastRouter.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FastRouter.Benchmarks;

/// <summary>
/// The cost the hot path pays per measurement: one histogram observation with a pod label, under each exporter.
/// "NoListener" is System.Diagnostics.Metrics with nothing subscribed (metrics off).
/// </summary>
[MemoryDiagnoser]
public class ExporterHotPathBenchmarks
{
    private const string Pod = "http://10.0.0.5:8000";

    private Meter _bare = null!;
    private Histogram<double> _bareHistogram = null!;
    private Meter _ours = null!;
    private Histogram<double> _oursHistogram = null!;
    private MetricsCollector _collector = null!;
    private Meter _otel = null!;
    private Histogram<double> _otelHistogram = null!;
    private MeterProvider _otelProvider = null!;
    private Prometheus.Histogram _promNet = null!;
    private double _value;

    [GlobalSetup]
    public void Setup()
    {
        double[] bounds = BucketBoundaries.Latency;
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = bounds };
        _bare = new Meter("bench.bare");
        _bareHistogram = _bare.CreateHistogram("d", "s", null, null, advice);
        _ours = new Meter("bench.ours");
        _oursHistogram = _ours.CreateHistogram("d", "s", null, null, advice);
        _collector = new MetricsCollector(_ours, includeRuntime: false);
        _otel = new Meter("bench.otel");
        _otelHistogram = _otel.CreateHistogram("d", "s", null, null, advice);
        _otelProvider = Sdk.CreateMeterProviderBuilder().AddMeter("bench.otel").AddPrometheusExporter().Build()!;
        var registry = Prometheus.Metrics.NewCustomRegistry();
        _promNet = Prometheus.Metrics.WithCustomRegistry(registry).CreateHistogram("d_seconds", "d", new Prometheus.HistogramConfiguration { LabelNames = ["pod"], Buckets = bounds });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _collector.Dispose();
        _otelProvider.Dispose();
        _bare.Dispose();
        _ours.Dispose();
        _otel.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void NoListener() => _bareHistogram.Record(Next(), new KeyValuePair<string, object?>("pod", Pod));

    [Benchmark]
    public void OurMeterListenerExporter() => _oursHistogram.Record(Next(), new KeyValuePair<string, object?>("pod", Pod));

    [Benchmark]
    public void OpenTelemetryPrometheusExporter() => _otelHistogram.Record(Next(), new KeyValuePair<string, object?>("pod", Pod));

    [Benchmark]
    public void PrometheusNet() => _promNet.WithLabels(Pod).Observe(Next());

    private double Next()
    {
        _value += 0.0137;
        if (_value > 20)
        {
            _value = 0;
        }

        return _value;
    }
}
