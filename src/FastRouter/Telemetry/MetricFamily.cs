using System.Collections.Concurrent;

namespace FastRouter.Telemetry;

/// <summary>
/// One Prometheus metric family (one instrument) and its series by label values. The hot path does one
/// dictionary lookup with a struct key; a series is created (allocating) only the first time its labels appear.
/// </summary>
internal sealed class MetricFamily
{
    private readonly ConcurrentDictionary<SeriesKey, MetricSeries> _series = new();

    public MetricFamily(string name, string help, MetricKind kind, double[]? bounds)
    {
        Name = name;
        Help = help;
        Kind = kind;
        Bounds = kind == MetricKind.Histogram ? bounds ?? BucketBoundaries.Latency : null;
    }

    /// <summary>The exposition name, e.g. <c>fastrouter_request_duration_seconds</c>.</summary>
    public string Name { get; }

    public string Help { get; }

    public MetricKind Kind { get; }

    public double[]? Bounds { get; }

    public ICollection<MetricSeries> Series => _series.Values;

    /// <summary>Applies one measurement from a <c>MeterListener</c> callback.</summary>
    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = SeriesKey.From(tags);
        if (!_series.TryGetValue(key, out MetricSeries? series))
        {
            series = Create(key, tags);
        }

        switch (Kind)
        {
            case MetricKind.Histogram:
                series.Observe(Bounds!, value);
                break;
            case MetricKind.Counter:
            case MetricKind.Gauge:
                series.Add(value);
                break;
            default:
                series.Set(value);
                break;
        }
    }

    /// <summary>Forgets every series: observed families are refilled by each scrape, so vanished pods disappear.</summary>
    public void Clear() => _series.Clear();

    private MetricSeries Create(SeriesKey key, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = new string[key.Count];
        var values = new string[key.Count];
        for (int i = 0; i < key.Count; i++)
        {
            names[i] = PrometheusNames.Sanitize(tags[i].Key);
            values[i] = key.Value(i);
        }

        return _series.GetOrAdd(key, new MetricSeries(names, values, Bounds?.Length ?? 0));
    }
}
