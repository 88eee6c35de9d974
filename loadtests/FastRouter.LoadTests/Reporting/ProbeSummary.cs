namespace FastRouter.LoadTests.Reporting;

/// <summary>What probe mode writes to probe.json: the probes' outcomes and their latency, in milliseconds.</summary>
internal sealed record ProbeSummary(
    string Name,
    DateTimeOffset StartedUtc,
    string Url,
    double IntervalMs,
    double TimeoutMs,
    long Probes,
    long Succeeded,
    long FailedStatus,
    long TimedOut,
    long ConnectionErrors,
    MetricSummary Latency,
    MachineSummary Machine,
    string CommandLine)
{
    /// <summary>Probes kubelet would count as failures: a status outside 200-399, no answer in time, or no connection.</summary>
    public long Failed => FailedStatus + TimedOut + ConnectionErrors;
}
