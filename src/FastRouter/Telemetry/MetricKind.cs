namespace FastRouter.Telemetry;

/// <summary>The Prometheus type of a family, and whether its values are pushed (recorded) or pulled (observed at scrape).</summary>
internal enum MetricKind
{
    Counter,
    Gauge,
    Histogram,

    /// <summary>An observable counter: each scrape sets the cumulative total it reports.</summary>
    ObservedCounter,

    /// <summary>An observable gauge or up-down counter: each scrape sets the current value.</summary>
    ObservedGauge,
}
