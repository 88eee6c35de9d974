namespace FastRouter.LoadTests.Metrics;

/// <summary>
/// One interval (about a second) of the measured phase, by completion time: throughput and the latency
/// percentiles of the requests that finished in it. Latencies in milliseconds; NaN-free (0 when nothing finished).
/// </summary>
internal sealed record TimelinePoint(
    double ElapsedSeconds,
    double IntervalSeconds,
    long Succeeded,
    long Failed,
    long OutputTokens,
    long InFlight,
    double RequestsPerSecond,
    double OutputTokensPerSecond,
    double EndToEndP50Ms,
    double EndToEndP90Ms,
    double EndToEndP99Ms,
    double EndToEndMaxMs,
    double TtftP50Ms,
    double TtftP99Ms,
    double ItlP50Ms,
    double ItlP99Ms);
