using System.Collections.Concurrent;

namespace FastRouter.Telemetry;

/// <summary>
/// One Prometheus metric family (one instrument) and its series by label values. The hot path finds the series
/// among the few used last by comparing references, else with one dictionary lookup with a struct key; a series is
/// created (allocating) only the first time its labels appear.
/// </summary>
internal sealed class MetricFamily
{
    private const int RecentSlots = 8;

    private readonly ConcurrentDictionary<SeriesKey, MetricSeries> _series = new();

    // The series of the last label sets looked up, checked by reference before anything is hashed: the router passes
    // the same string instances for a pod, a model or an outcome every time, so most measurements stop here (hashing
    // the strings and the lookup were most of a measurement's cost). Slots are overwritten round-robin without
    // locks; a reference write is atomic, and a slot lost to a race only costs a later lookup.
    private readonly MetricSeries?[] _recent = new MetricSeries?[RecentSlots];
    private int _nextRecent;

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
        MetricSeries series = FindRecent(key) ?? Lookup(key, tags);

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
    public void Clear()
    {
        Array.Clear(_recent);
        _series.Clear();
    }

    private MetricSeries? FindRecent(in SeriesKey key)
    {
        MetricSeries?[] recent = _recent;
        for (int i = 0; i < recent.Length; i++)
        {
            MetricSeries? candidate = recent[i];
            if (candidate is not null && candidate.Key.HasSameReferences(key))
            {
                return candidate;
            }
        }

        return null;
    }

    private MetricSeries Lookup(SeriesKey key, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_series.TryGetValue(key, out MetricSeries? series))
        {
            series = Create(key, tags);
        }

        _recent[(int)((uint)_nextRecent++ % RecentSlots)] = series;
        return series;
    }

    private MetricSeries Create(SeriesKey key, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = new string[key.Count];
        var values = new string[key.Count];
        for (int i = 0; i < key.Count; i++)
        {
            names[i] = PrometheusNames.Sanitize(tags[i].Key);
            values[i] = key.Value(i);
        }

        return _series.GetOrAdd(key, new MetricSeries(key, names, values, Bounds?.Length ?? 0));
    }
}
