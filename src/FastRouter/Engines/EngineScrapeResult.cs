namespace FastRouter.Engines;

/// <summary>How one <c>/metrics</c> scrape ended (<c>fastrouter_engine_scrapes_total{result}</c>).</summary>
internal enum EngineScrapeResult
{
    /// <summary>Parsed; a new snapshot is on the pod.</summary>
    Ok,

    /// <summary>Refused, reset, or a non-2xx status.</summary>
    Failed,

    /// <summary>No whole answer within --engine-stats-interval (at most 2 s).</summary>
    Timeout,

    /// <summary>Longer than the byte limit; reading stopped there.</summary>
    TooLarge,

    /// <summary>Not Prometheus text.</summary>
    Malformed,
}
