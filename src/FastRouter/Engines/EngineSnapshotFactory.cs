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
    public static EngineSnapshot From(EngineFigures figures, EngineSnapshot? previous, long receivedAt, int routerInFlight)
    {
        ArgumentNullException.ThrowIfNull(figures);
        double queries = figures.SumPreferring(EngineSeries.PrefixCacheQueries, EngineSeries.GpuPrefixCacheQueries);
        double hits = figures.SumPreferring(EngineSeries.PrefixCacheHits, EngineSeries.GpuPrefixCacheHits);
        double kv = figures.Mean(EngineSeries.KvCacheUsage);
        return new EngineSnapshot
        {
            ReceivedAt = receivedAt,
            RouterInFlightAtScrape = routerInFlight,
            Running = Zero(figures.Sum(EngineSeries.Running)),
            Waiting = Zero(figures.Sum(EngineSeries.Waiting)),
            KvCacheUsage = double.IsNaN(kv) ? figures.Mean(EngineSeries.GpuCacheUsage) : kv,
            PrefixCacheQueries = queries,
            PrefixCacheHits = hits,
            PrefixCacheHitRate = HitRate(queries, hits, previous, figures.Mean(EngineSeries.GpuPrefixCacheHitRate)),
            PromptTokens = figures.Sum(EngineSeries.PromptTokens),
            GenerationTokens = figures.Sum(EngineSeries.GenerationTokens),
        };
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
