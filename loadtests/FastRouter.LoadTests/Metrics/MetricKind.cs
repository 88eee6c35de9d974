namespace FastRouter.LoadTests.Metrics;

/// <summary>The latencies the generator records, each in its own histogram, in microseconds.</summary>
internal enum MetricKind
{
    /// <summary>Send (intended send in open loop) to the first chunk carrying a token. Streams only.</summary>
    TimeToFirstToken,

    /// <summary>Gap between two consecutive token-carrying chunks of one stream, one value per gap. Streams only.</summary>
    InterTokenLatency,

    /// <summary>(end-to-end − TTFT) / (output tokens − 1), one value per stream with at least two tokens.</summary>
    TimePerOutputToken,

    /// <summary>Send (intended send in open loop) to the last byte of the answer, every successful request.</summary>
    EndToEnd,

    /// <summary>Open loop only: how late the generator itself sent a request after its intended time.</summary>
    ScheduleLag,
}
