using System.Diagnostics.Metrics;
using FastRouter.Discovery;
using FastRouter.Engines;

namespace FastRouter.Telemetry;

/// <summary>
/// The engine-stats scraper's instruments: its outcomes, each pod's snapshot age, and production-stack's
/// engine-fed router gauges (its metrics_router sets <c>vllm:gpu_prefix_cache_hit_rate</c>,
/// <c>vllm:gpu_prefix_cache_hits_total</c> and <c>vllm:gpu_prefix_cache_queries_total</c> per <c>server</c> from its
/// engine-stats scraper; its <c>vllm:num_requests_running</c> stays the router's own count, and so does ours).
/// </summary>
internal sealed partial class RouterMetrics
{
    private static readonly string[] ScrapeResults = ["ok", "failed", "timeout", "too_large", "malformed"];

    private Counter<long> _engineScrapes = null!;

    /// <summary>Once per pod per scrape round, off the hot path.</summary>
    public void EngineScraped(EngineScrapeResult result) =>
        _engineScrapes.Add(1, new KeyValuePair<string, object?>("result", ScrapeResults[(int)result]));

    private void CreateEngineInstruments()
    {
        _engineScrapes = _meter.CreateCounter<long>("fastrouter.engine_scrapes", "{scrape}", "Scrapes of the pods' /metrics by result (ok, failed, timeout, too_large, malformed).");
        _meter.CreateObservableGauge("fastrouter.engine_stats.age", () => PerEngine(snapshot => _time.GetElapsedTime(snapshot.ReceivedAt).TotalSeconds), "s", "Age of each pod's last good engine scrape; it keeps growing while scrapes fail.");
        _meter.CreateObservableGauge("vllm:gpu_prefix_cache_hit_rate", () => PerEngine(static snapshot => snapshot.PrefixCacheHitRate), null, "GPU prefix cache hit rate");
        _meter.CreateObservableGauge("vllm:gpu_prefix_cache_hits_total", () => PerEngine(static snapshot => snapshot.PrefixCacheHits), null, "Total GPU prefix cache hits");
        _meter.CreateObservableGauge("vllm:gpu_prefix_cache_queries_total", () => PerEngine(static snapshot => snapshot.PrefixCacheQueries), null, "Total GPU prefix cache queries");
    }

    /// <summary>One measurement per known pod that has a snapshot and a value (NaN: the engine did not report it).</summary>
    private List<Measurement<double>> PerEngine(Func<EngineSnapshot, double> value)
    {
        Backend[] pods = Discovery.Current.Backends;
        var measurements = new List<Measurement<double>>(pods.Length);
        foreach (Backend pod in pods)
        {
            if (pod.Engine is { } snapshot && value(snapshot) is double figure && !double.IsNaN(figure))
            {
                measurements.Add(new Measurement<double>(figure, new KeyValuePair<string, object?>(MetricLabels.Server, pod.Name)));
            }
        }

        return measurements;
    }
}
