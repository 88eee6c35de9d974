namespace FastRouter.Engines;

/// <summary>Turns one scrape's <see cref="EngineFigures"/> into the <see cref="EngineSnapshot"/> published on the pod.</summary>
internal static class EngineSnapshotFactory
{
    /// <summary>
    /// Hit rate: hits over queries between <paramref name="previous"/> and this scrape (the cache's recent
    /// behaviour, what routing cares for); when that cannot be had (first scrape, no query since, counters reset by
    /// an engine restart), the counters' whole-life ratio; without counters, older vLLM's
    /// <c>vllm:gpu_prefix_cache_hit_rate</c> gauge; else NaN. With no query since the previous scrape the previous
    /// rate stands.
    /// </summary>
    /// <param name="figures">The scrape's figures.</param>
    /// <param name="previous">The pod's snapshot before this one, or null.</param>
    /// <param name="receivedAt">When the answer arrived (<see cref="TimeProvider"/> timestamp).</param>
    /// <param name="routerInFlight">This router's requests in flight to the pod then.</param>
    /// <param name="routerPromptTokens">This router's <see cref="Discovery.Backend.PromptTokensSent"/> then.</param>
    /// <param name="timestampFrequency">Ticks per second of <paramref name="receivedAt"/>.</param>
    /// <param name="smoothing">Time constant of <see cref="EngineSnapshot.PromptTokensPerSecond"/>'s moving average.</param>
    public static EngineSnapshot From(EngineFigures figures, EngineSnapshot? previous, long receivedAt, int routerInFlight,
        long routerPromptTokens, long timestampFrequency, TimeSpan smoothing)
    {
        ArgumentNullException.ThrowIfNull(figures);
        double queries = figures.SumPreferring(EngineSeries.PrefixCacheQueries, EngineSeries.GpuPrefixCacheQueries);
        double hits = figures.SumPreferring(EngineSeries.PrefixCacheHits, EngineSeries.GpuPrefixCacheHits);
        double kv = figures.Mean(EngineSeries.KvCacheUsage);
        double promptTokens = figures.Sum(EngineSeries.PromptTokens);
        return new EngineSnapshot
        {
            ReceivedAt = receivedAt,
            RouterInFlightAtScrape = routerInFlight,
            RouterPromptTokensAtScrape = routerPromptTokens,
            PromptTokensPerSecond = PromptRate(promptTokens, receivedAt, previous, timestampFrequency, smoothing),
            Running = Zero(figures.Sum(EngineSeries.Running)),
            Waiting = Zero(figures.Sum(EngineSeries.Waiting)),
            KvCacheUsage = double.IsNaN(kv) ? figures.Mean(EngineSeries.GpuCacheUsage) : kv,
            PrefixCacheQueries = queries,
            PrefixCacheHits = hits,
            PrefixCacheHitRate = HitRate(queries, hits, previous, figures.Mean(EngineSeries.GpuPrefixCacheHitRate)),
            PromptTokens = promptTokens,
            GenerationTokens = figures.Sum(EngineSeries.GenerationTokens),
        };
    }

    /// <summary>
    /// Prompt tokens gained since the previous scrape over the time between them, folded into the previous rate
    /// (<see cref="TokenRate.Fold"/>). A counter that went back (an engine restart) keeps the previous rate; no
    /// previous counter, NaN.
    /// </summary>
    private static double PromptRate(double promptTokens, long receivedAt, EngineSnapshot? previous, long frequency, TimeSpan smoothing)
    {
        if (previous is null || double.IsNaN(promptTokens) || double.IsNaN(previous.PromptTokens) || frequency <= 0)
        {
            return double.NaN;
        }

        double seconds = (receivedAt - previous.ReceivedAt) / (double)frequency;
        return TokenRate.Fold(previous.PromptTokensPerSecond, promptTokens - previous.PromptTokens, seconds, smoothing);
    }

    // An engine that does not report its queue is taken as idle, as production-stack does.
    private static double Zero(double value) => double.IsNaN(value) ? 0 : value;

    private static double HitRate(double queries, double hits, EngineSnapshot? previous, double gauge)
    {
        if (double.IsNaN(queries) || double.IsNaN(hits))
        {
            return gauge;
        }

        if (previous is not null && !double.IsNaN(previous.PrefixCacheQueries) && !double.IsNaN(previous.PrefixCacheHits))
        {
            double newQueries = queries - previous.PrefixCacheQueries;
            double newHits = hits - previous.PrefixCacheHits;
            if (newQueries > 0 && newHits >= 0 && newHits <= newQueries)
            {
                return newHits / newQueries;
            }

            if (newQueries == 0 && newHits == 0)
            {
                return previous.PrefixCacheHitRate;
            }
        }

        return queries > 0 ? Math.Clamp(hits / queries, 0, 1) : double.NaN;
    }
}
