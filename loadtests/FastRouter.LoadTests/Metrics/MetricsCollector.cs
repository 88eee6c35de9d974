using HdrHistogram;

namespace FastRouter.LoadTests.Metrics;

/// <summary>
/// Owns the lanes and, once a second, merges what they recorded into the run's totals and one timeline point.
/// The merge is HdrHistogram addition, so the totals are exactly the union of every lane's values.
/// Called by the progress loop and once at the end, never concurrently with itself.
/// </summary>
internal sealed class MetricsCollector
{
    private readonly MetricSet _interval = new();
    private readonly List<TimelinePoint> _timeline = [];

    public MetricsCollector(int laneCount)
    {
        Lanes = new LaneRecorder[Math.Max(1, laneCount)];
        for (int i = 0; i < Lanes.Length; i++)
        {
            Lanes[i] = new LaneRecorder();
        }
    }

    /// <summary>How many lanes suit <paramref name="workers"/> workers: one each up to two per core, then shared.</summary>
    public static int LaneCountFor(int workers) => Math.Clamp(workers, 1, Math.Max(4, 2 * Environment.ProcessorCount));

    public LaneRecorder[] Lanes { get; }

    /// <summary>Everything recorded in the measured phase, up to the last <see cref="Collect"/>.</summary>
    public MetricSet Totals { get; } = new();

    public IReadOnlyList<TimelinePoint> Timeline => _timeline;

    /// <summary>Moves the lanes' new values into the totals and appends a timeline point for them.</summary>
    public TimelinePoint Collect(double elapsedSeconds, double intervalSeconds, long inFlight)
    {
        _interval.Reset();
        foreach (LaneRecorder lane in Lanes)
        {
            lane.DrainInto(_interval);
        }

        Totals.Add(_interval);
        double seconds = Math.Max(intervalSeconds, 1e-6);
        var point = new TimelinePoint(
            elapsedSeconds,
            intervalSeconds,
            _interval.Succeeded,
            _interval.Failed,
            _interval.OutputTokens,
            inFlight,
            _interval.Succeeded / seconds,
            _interval.OutputTokens / seconds,
            Milliseconds(_interval[MetricKind.EndToEnd], 50),
            Milliseconds(_interval[MetricKind.EndToEnd], 90),
            Milliseconds(_interval[MetricKind.EndToEnd], 99),
            Milliseconds(_interval[MetricKind.EndToEnd], 100),
            Milliseconds(_interval[MetricKind.TimeToFirstToken], 50),
            Milliseconds(_interval[MetricKind.TimeToFirstToken], 99),
            Milliseconds(_interval[MetricKind.InterTokenLatency], 50),
            Milliseconds(_interval[MetricKind.InterTokenLatency], 99));
        _timeline.Add(point);
        return point;
    }

    /// <summary>A percentile in milliseconds, 0 for an empty histogram.</summary>
    public static double Milliseconds(LongHistogram histogram, double percentile)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.TotalCount == 0)
        {
            return 0;
        }

        long value = percentile >= 100 ? histogram.GetMaxValue() : histogram.GetValueAtPercentile(percentile);
        return value / 1000.0;
    }
}
