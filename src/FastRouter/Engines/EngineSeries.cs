namespace FastRouter.Engines;

/// <summary>
/// The vLLM series the scraper reads, old and new names kept apart: vLLM releases in transition expose both
/// (<c>gpu_cache_usage_perc</c> beside <c>kv_cache_usage_perc</c>), and adding them would count one engine twice.
/// </summary>
internal enum EngineSeries
{
    Running,
    Waiting,
    KvCacheUsage,
    GpuCacheUsage,
    PrefixCacheQueries,
    GpuPrefixCacheQueries,
    PrefixCacheHits,
    GpuPrefixCacheHits,
    GpuPrefixCacheHitRate,
    PromptTokens,
    GenerationTokens,
}
