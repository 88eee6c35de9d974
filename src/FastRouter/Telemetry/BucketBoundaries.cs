namespace FastRouter.Telemetry;

/// <summary>Histogram bucket upper bounds (seconds) chosen for LLM serving latencies.</summary>
internal static class BucketBoundaries
{
    /// <summary>End-to-end, TTFT, prefill and handoff: 1 ms to 10 minutes (long generations).</summary>
    public static readonly double[] Latency =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 600];

    /// <summary>Gaps between relayed stream events: 0.5 ms to 10 s, dense where token gaps live (10-150 ms).</summary>
    public static readonly double[] InterEvent =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5, 10];

    /// <summary>The router's own work per request: 100 µs to 1 s.</summary>
    public static readonly double[] RouterTime =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    /// <summary>production-stack's own buckets for <c>vllm:request_latency_seconds</c>.</summary>
    public static readonly double[] ProductionStackLatency = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

    /// <summary>Index of the first bucket whose upper bound is at least <paramref name="value"/>; bounds.Length for +Inf.</summary>
    public static int IndexOf(double[] bounds, double value)
    {
        // Linear: at most ~20 well-predicted compares, faster than a binary search at this size.
        for (int i = 0; i < bounds.Length; i++)
        {
            if (value <= bounds[i])
            {
                return i;
            }
        }

        return bounds.Length;
    }
}
