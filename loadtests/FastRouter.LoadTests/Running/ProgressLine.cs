using System.Globalization;
using FastRouter.LoadTests.Metrics;

namespace FastRouter.LoadTests.Running;

/// <summary>
/// The once-a-second progress line. Plain text, one line each time (no cursor tricks), so it reads the same in
/// a terminal, a CI log or a file.
/// </summary>
internal static class ProgressLine
{
    public static string Warmup(double elapsedSeconds, RunCounters counters) =>
        string.Create(CultureInfo.InvariantCulture, $"[{elapsedSeconds,6:F1}s] warm-up  sent={counters.Sent} ok={counters.Succeeded} errors={counters.Failed} in-flight={counters.InFlight}");

    public static string Measure(double elapsedSeconds, TimelinePoint point, MetricSet totals, bool streams)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(totals);
        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"[{elapsedSeconds,6:F1}s] measure  done={totals.Succeeded} errors={totals.Failed} in-flight={point.InFlight} rps={point.RequestsPerSecond:F1} tok/s={point.OutputTokensPerSecond:F0} e2e p50={MetricsCollector.Milliseconds(totals[MetricKind.EndToEnd], 50):F1}ms p99={MetricsCollector.Milliseconds(totals[MetricKind.EndToEnd], 99):F1}ms");
        return streams
            ? line + string.Create(CultureInfo.InvariantCulture, $" ttft p50={MetricsCollector.Milliseconds(totals[MetricKind.TimeToFirstToken], 50):F1}ms p99={MetricsCollector.Milliseconds(totals[MetricKind.TimeToFirstToken], 99):F1}ms")
            : line;
    }
}
