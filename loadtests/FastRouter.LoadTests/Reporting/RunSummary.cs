using FastRouter.LoadTests.Metrics;

namespace FastRouter.LoadTests.Reporting;

/// <summary>The whole of summary.json.</summary>
internal sealed record RunSummary(
    string Name,
    DateTimeOffset StartedUtc,
    double MeasuredSeconds,
    bool StoppedByUser,
    RunConfigSummary Config,
    MachineSummary Machine,
    RequestCountsSummary Requests,
    RatesSummary Rates,
    IReadOnlyDictionary<string, MetricSummary> Metrics,
    IReadOnlyDictionary<string, long> Errors,
    IReadOnlyDictionary<string, string> ErrorSamples,
    IReadOnlyList<TimelinePoint> Timeline);
