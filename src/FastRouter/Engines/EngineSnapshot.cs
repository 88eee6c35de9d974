namespace FastRouter.Engines;

/// <summary>
/// What one pod's engine said of itself in its last <c>/metrics</c> scrape (--engine-stats-interval), summed over
/// the pod's engines and models. Immutable: the scraper publishes a new one on <see cref="Discovery.Backend.Engine"/>
/// after each successful scrape, and a picker reads whichever is there, lock-free. Every router replica scrapes the
/// same engines, so this is the part of a pod's load that all replicas see alike (up to one interval old).
/// </summary>
internal sealed class EngineSnapshot
{
    /// <summary>A snapshot counts for this many scrape intervals: one late or lost scrape does not make it stale.</summary>
    public const int FreshIntervals = 3;

    private static readonly TimeSpan MinimumWorkSmoothing = TimeSpan.FromSeconds(10);

    /// <summary>How long, in <see cref="TimeProvider"/> ticks, a snapshot counts after it arrived (--engine-stats-interval × 3).</summary>
    public static long StaleAfterTicks(TimeSpan engineStatsInterval, long timestampFrequency)
    {
        double ticks = FreshIntervals * engineStatsInterval.TotalSeconds * timestampFrequency;
        return ticks >= long.MaxValue ? long.MaxValue : (long)ticks;
    }

    /// <summary>
    /// The time constant of <see cref="PromptTokensPerSecond"/>'s moving average: 10 s, or three scrape intervals
    /// if longer. Which pods hold which prompts changes slowly, and the work bound is about that share; a short
    /// average follows every batch, and replicas that scrape at different instants would see different bursts and
    /// disagree. Sudden queues are the saturation limits' business (--saturation-*), read from the latest scrape.
    /// </summary>
    public static TimeSpan WorkSmoothing(TimeSpan engineStatsInterval)
    {
        TimeSpan threeIntervals = FreshIntervals * engineStatsInterval;
        return threeIntervals > MinimumWorkSmoothing ? threeIntervals : MinimumWorkSmoothing;
    }

    /// <summary>Whether the snapshot still describes the engine at <paramref name="now"/>.</summary>
    public bool IsFreshAt(long now, long staleAfterTicks) => now - ReceivedAt <= staleAfterTicks;

    /// <summary>When the scrape's answer arrived, a <see cref="TimeProvider"/> timestamp of the router's clock.</summary>
    public required long ReceivedAt { get; init; }

    /// <summary>This router's own requests in flight to the pod when the answer arrived (<see cref="Discovery.Backend.InFlight"/>).</summary>
    public required int RouterInFlightAtScrape { get; init; }

    /// <summary>This router's <see cref="Discovery.Backend.PromptTokensSent"/> when the answer arrived.</summary>
    public long RouterPromptTokensAtScrape { get; init; }

    /// <summary>
    /// Prompt tokens the engine took in per second (<c>vllm:prompt_tokens_total</c>'s rate, cached or not), smoothed
    /// over <see cref="WorkSmoothing"/>: the prefill work it was asked for lately, whoever sent it. NaN until two
    /// scrapes with the counter exist.
    /// </summary>
    public double PromptTokensPerSecond { get; init; } = double.NaN;

    /// <summary><c>vllm:num_requests_running</c>.</summary>
    public double Running { get; init; }

    /// <summary><c>vllm:num_requests_waiting</c>.</summary>
    public double Waiting { get; init; }

    /// <summary><c>vllm:kv_cache_usage_perc</c> (older builds: <c>vllm:gpu_cache_usage_perc</c>), 0 to 1; NaN when absent.</summary>
    public double KvCacheUsage { get; init; } = double.NaN;

    /// <summary><c>vllm:prefix_cache_queries_total</c> (tokens); NaN when absent.</summary>
    public double PrefixCacheQueries { get; init; } = double.NaN;

    /// <summary><c>vllm:prefix_cache_hits_total</c> (tokens); NaN when absent.</summary>
    public double PrefixCacheHits { get; init; } = double.NaN;

    /// <summary>
    /// The prefix cache's hit rate, 0 to 1: hits over queries since the previous scrape when both scrapes had the
    /// counters, else older builds' <c>vllm:gpu_prefix_cache_hit_rate</c>; NaN when unknown.
    /// </summary>
    public double PrefixCacheHitRate { get; init; } = double.NaN;

    /// <summary><c>vllm:prompt_tokens_total</c>; NaN when absent.</summary>
    public double PromptTokens { get; init; } = double.NaN;

    /// <summary><c>vllm:generation_tokens_total</c>; NaN when absent.</summary>
    public double GenerationTokens { get; init; } = double.NaN;
}
