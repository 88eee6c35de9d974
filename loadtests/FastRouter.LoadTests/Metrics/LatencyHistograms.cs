using HdrHistogram;

namespace FastRouter.LoadTests.Metrics;

/// <summary>
/// The histogram shape every recorder uses, so any two can be added: 1 µs to 1 hour, three significant digits
/// (a value is known to within 0.1 %).
/// </summary>
internal static class LatencyHistograms
{
    public const long HighestTrackableMicroseconds = 3_600_000_000;

    public static LongHistogram Create() => new(1, HighestTrackableMicroseconds, 3);

    /// <summary>Clamps a value into the trackable range: a bad clock or a stuck request must not throw while recording.</summary>
    public static long Clamp(long microseconds) => Math.Clamp(microseconds, 1, HighestTrackableMicroseconds);

    public static LongHistogram[] CreateSet()
    {
        var set = new LongHistogram[MetricNames.All.Count];
        for (int i = 0; i < set.Length; i++)
        {
            set[i] = Create();
        }

        return set;
    }
}
