namespace FastRouter.Telemetry;

/// <summary>
/// One labelled series: a value (counter, gauge) or histogram buckets. Updated lock-free from any thread; read by
/// the exposition writer, which may see a measurement in the buckets a moment before it shows in the sum.
/// </summary>
internal sealed class MetricSeries
{
    private readonly long[]? _buckets;
    private double _value;
    private double _sum;

    public MetricSeries(SeriesKey key, string[] labelNames, string[] labelValues, int bucketCount)
    {
        Key = key;
        LabelNames = labelNames;
        LabelValues = labelValues;
        _buckets = bucketCount > 0 ? new long[bucketCount + 1] : null;
    }

    /// <summary>The label values this series was created for, as the first measurement passed them.</summary>
    public SeriesKey Key { get; }

    public string[] LabelNames { get; }

    public string[] LabelValues { get; }

    public double Value => Volatile.Read(ref _value);

    public double Sum => Volatile.Read(ref _sum);

    public void Add(double delta) => AddDouble(ref _value, delta);

    public void Set(double value) => Volatile.Write(ref _value, value);

    public void Observe(double[] bounds, double value)
    {
        Interlocked.Increment(ref _buckets![BucketBoundaries.IndexOf(bounds, value)]);
        AddDouble(ref _sum, value);
    }

    /// <summary>Copies the per-bucket (not cumulative) counts, the last one being +Inf; returns the total.</summary>
    public long CopyBuckets(Span<long> destination)
    {
        long total = 0;
        for (int i = 0; i < _buckets!.Length; i++)
        {
            long count = Volatile.Read(ref _buckets[i]);
            destination[i] = count;
            total += count;
        }

        return total;
    }

    private static void AddDouble(ref double location, double delta)
    {
        double current = Volatile.Read(ref location);
        while (true)
        {
            double seen = Interlocked.CompareExchange(ref location, current + delta, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }
}
