using FastRouter.LoadTests.Http;
using HdrHistogram;

namespace FastRouter.LoadTests.Metrics;

/// <summary>
/// One histogram per <see cref="MetricKind"/> plus the counters that go with them. The unit of recording
/// (a lane's last second) and of merging (the run so far): sets add up exactly because every histogram has
/// the same shape. Not thread-safe; <see cref="LaneRecorder"/> guards its own.
/// </summary>
internal sealed class MetricSet
{
    private static readonly int CauseCount = Enum.GetValues<ErrorCause>().Length;

    public LongHistogram[] Histograms { get; } = LatencyHistograms.CreateSet();

    public long Succeeded { get; set; }

    public long OutputTokens { get; set; }

    /// <summary>Failures by <see cref="ErrorCause"/>, indexed by its value.</summary>
    public long[] Errors { get; } = new long[CauseCount];

    /// <summary>The first message seen per cause, so a report can say what the errors looked like.</summary>
    public string?[] ErrorSamples { get; } = new string?[CauseCount];

    public long Failed => Errors.Sum();

    public LongHistogram this[MetricKind kind] => Histograms[(int)kind];

    public void Add(MetricSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < Histograms.Length; i++)
        {
            Histograms[i].Add(other.Histograms[i]);
        }

        Succeeded += other.Succeeded;
        OutputTokens += other.OutputTokens;
        for (int i = 0; i < Errors.Length; i++)
        {
            Errors[i] += other.Errors[i];
            ErrorSamples[i] ??= other.ErrorSamples[i];
        }
    }

    public void Reset()
    {
        foreach (LongHistogram histogram in Histograms)
        {
            histogram.Reset();
        }

        Succeeded = 0;
        OutputTokens = 0;
        Array.Clear(Errors);

        // Samples are kept: they describe the run, and the first one is the most useful.
    }
}
