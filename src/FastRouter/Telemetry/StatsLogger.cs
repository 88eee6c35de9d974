using System.Globalization;
using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastRouter.Telemetry;

/// <summary>
/// --log-stats: every --log-stats-interval seconds, one summary per pod, as production-stack's router prints its
/// per-engine stats: role, model, in flight, requests and failures since start, production-stack's QPS over the
/// last 60 s, and the p50/p99 of the pod's call latency over the interval just ended (estimated from buckets).
/// </summary>
internal sealed partial class StatsLogger : BackgroundService
{
    private readonly IBackendDiscovery _discovery;
    private readonly RouterOptions _options;
    private readonly ILogger<StatsLogger> _logger;
    private readonly TimeProvider _time;
    private readonly RouterMetrics? _metrics;
    private readonly Dictionary<PodStats, long[]> _previous = [];

    public StatsLogger(IBackendDiscovery discovery, RouterOptions options, ILogger<StatsLogger> logger, RouterMetrics? metrics = null, TimeProvider? time = null)
    {
        _discovery = discovery;
        _options = options;
        _logger = logger;
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.LogStatsInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Log.Stats(_logger, Describe(_discovery.Current));
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>The summary text; advances the interval the percentiles cover. Called by one timer: not thread-safe.</summary>
    internal string Describe(RoutingTable table)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{table.PrefillCount} prefill and {table.DecodeCount} decode pods");
        long second = _metrics?.Second(_metrics.Time.GetTimestamp()) ?? 0;
        Span<long> now = stackalloc long[BucketBoundaries.Latency.Length + 1];
        Span<long> interval = stackalloc long[now.Length];
        foreach (Backend backend in table.Backends)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  {backend.Name} role={MetricLabels.RoleOf(backend.Role)} model={backend.Model ?? "*"} in_flight={backend.InFlight} requests={backend.Requests} failures={backend.Failures}");
            if (_metrics is null)
            {
                continue;
            }

            PodStats stats = _metrics.Pods.For(backend);
            stats.CopyLatencyBuckets(now);
            long[] previous = _previous.TryGetValue(stats, out long[]? seen) ? seen : _previous[stats] = new long[now.Length];
            for (int i = 0; i < now.Length; i++)
            {
                interval[i] = now[i] - previous[i];
                previous[i] = now[i];
            }

            double qps = stats.Started.Read(second).Count / (double)_metrics.Pods.WindowSeconds;
            double p50 = Quantiles.Estimate(BucketBoundaries.Latency, interval, 0.5);
            double p99 = Quantiles.Estimate(BucketBoundaries.Latency, interval, 0.99);
            text.Append(CultureInfo.InvariantCulture, $" errors={stats.Errors} ejected={(stats.Ejected ? "yes" : "no")} qps={qps:F2} p50={Seconds(p50)} p99={Seconds(p99)}");
        }

        return text.ToString();
    }

    private static string Seconds(double value) => double.IsNaN(value) ? "-" : value.ToString("F3", CultureInfo.InvariantCulture) + "s";

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "Router stats: {Summary}")]
        public static partial void Stats(ILogger logger, string summary);
    }
}
