using System.Diagnostics.Metrics;

namespace FastRouter.Telemetry;

/// <summary>
/// Our exporter's aggregation side: a <see cref="MeterListener"/> that subscribes to the router's meter and the
/// .NET runtime meter (<c>System.Runtime</c>) and folds every measurement into a <see cref="MetricFamily"/>.
/// A measurement costs the instrument's enabled check, one delegate call, one lookup with a struct key and one or
/// two interlocked adds: no allocation, no lock. Observable instruments are read at scrape time.
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    /// <summary>The meter .NET 9+ publishes process and runtime metrics on (CPU, memory, GC, thread pool).</summary>
    public const string RuntimeMeterName = "System.Runtime";

    private readonly MeterListener _listener;
    private readonly List<MetricFamily> _families = [];
    private readonly List<MetricFamily> _observed = [];
    private readonly Lock _scrapeLock = new();
    private readonly Meter _meter;
    private readonly bool _includeRuntime;

    /// <param name="meter">The meter to export: this instance only, so two routers in one process (tests) stay apart.</param>
    /// <param name="includeRuntime">Also export the process-wide <c>System.Runtime</c> meter.</param>
    public MetricsCollector(Meter meter, bool includeRuntime)
    {
        _meter = meter;
        _includeRuntime = includeRuntime;
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads every observable instrument, then hands the families (in registration order) to <paramref name="write"/>.</summary>
    public void Collect<TState>(TState state, Action<TState, MetricFamily> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        lock (_scrapeLock)
        {
            MetricFamily[] families;
            lock (_families)
            {
                foreach (MetricFamily family in _observed)
                {
                    family.Clear();
                }

                families = [.. _families];
            }

            _listener.RecordObservableInstruments();
            foreach (MetricFamily family in families)
            {
                write(state, family);
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!ReferenceEquals(instrument.Meter, _meter) && !(_includeRuntime && instrument.Meter.Name == RuntimeMeterName))
        {
            return;
        }

        MetricKind kind = KindOf(instrument);
        double[]? bounds = instrument is Histogram<double> histogram ? histogram.Advice?.HistogramBucketBoundaries?.ToArray() : null;
        bool counter = kind is MetricKind.Counter or MetricKind.ObservedCounter;
        var family = new MetricFamily(PrometheusNames.For(instrument, counter), instrument.Description ?? instrument.Name, kind, bounds);
        lock (_families)
        {
            _families.Add(family);
            if (kind is MetricKind.ObservedCounter or MetricKind.ObservedGauge)
            {
                _observed.Add(family);
            }
        }

        listener.EnableMeasurementEvents(instrument, family);
    }

    private static MetricKind KindOf(Instrument instrument)
    {
        // The runtime publishes these two levels as ObservableCounter, though they go down; exported as gauges.
        if (instrument.Meter.Name == RuntimeMeterName && instrument.Name is "dotnet.thread_pool.thread.count" or "dotnet.thread_pool.queue.length")
        {
            return MetricKind.ObservedGauge;
        }

        Type type = instrument.GetType();
        if (type.IsGenericType)
        {
            Type definition = type.GetGenericTypeDefinition();
            if (definition == typeof(Counter<>))
            {
                return MetricKind.Counter;
            }

            if (definition == typeof(Histogram<>))
            {
                return MetricKind.Histogram;
            }

            if (definition == typeof(UpDownCounter<>))
            {
                return MetricKind.Gauge;
            }

            if (definition == typeof(ObservableCounter<>))
            {
                return MetricKind.ObservedCounter;
            }
        }

        // ObservableGauge, ObservableUpDownCounter, Gauge.
        return instrument.IsObservable ? MetricKind.ObservedGauge : MetricKind.Gauge;
    }
}
