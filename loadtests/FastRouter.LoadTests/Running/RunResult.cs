using FastRouter.LoadTests.Cli;
using FastRouter.LoadTests.Metrics;

namespace FastRouter.LoadTests.Running;

/// <summary>Everything a finished run hands to the reports.</summary>
internal sealed record RunResult(
    LoadTestOptions Options,
    DateTimeOffset StartedUtc,
    double MeasuredSeconds,
    MetricSet Totals,
    IReadOnlyList<TimelinePoint> Timeline,
    long SentIncludingWarmup,
    long SucceededIncludingWarmup,
    long FailedIncludingWarmup,
    long Cancelled,
    bool StoppedByUser);
