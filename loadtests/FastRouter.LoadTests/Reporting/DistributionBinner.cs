using HdrHistogram;
using HdrHistogram.Iteration;

namespace FastRouter.LoadTests.Reporting;

/// <summary>
/// Turns an HdrHistogram into equal-width bars for a distribution chart. The range ends at p99.9 so one
/// outlier does not squash the shape into a single bar; values above it are counted in the last bar.
/// </summary>
internal static class DistributionBinner
{
    public static IReadOnlyList<HistogramBin> Bin(LongHistogram histogram, int binCount)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(binCount);
        if (histogram.TotalCount == 0)
        {
            return [];
        }

        double low = histogram.LowestEquivalentValue(histogram.GetValueAtPercentile(0)) / 1000.0;
        double high = histogram.GetValueAtPercentile(99.9) / 1000.0;
        if (!(high > low))
        {
            high = low + Math.Max(low * 0.01, 0.001);
        }

        double width = (high - low) / binCount;
        long[] counts = new long[binCount];
        foreach (HistogramIterationValue value in histogram.RecordedValues())
        {
            double milliseconds = value.ValueIteratedTo / 1000.0;
            int index = (int)Math.Clamp(Math.Floor((milliseconds - low) / width), 0, binCount - 1);
            counts[index] += value.CountAddedInThisIterationStep;
        }

        var bins = new HistogramBin[binCount];
        for (int i = 0; i < binCount; i++)
        {
            bins[i] = new HistogramBin(low + (i * width), low + ((i + 1) * width), counts[i]);
        }

        return bins;
    }
}
