namespace FastRouter.LoadTests.Reporting;

/// <summary>One latency metric over the measured phase, in milliseconds (histograms record microseconds).</summary>
internal sealed record MetricSummary(
    string Title,
    long Count,
    double MinMs,
    double MeanMs,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double P999Ms,
    double MaxMs,
    IReadOnlyList<PercentileValue> Spectrum);
