namespace FastRouter.Telemetry;

/// <summary>Quantiles estimated from histogram buckets, interpolating linearly inside a bucket as Prometheus' histogram_quantile does.</summary>
internal static class Quantiles
{
    /// <param name="bounds">Upper bounds.</param>
    /// <param name="counts">Per-bucket (not cumulative) counts, bounds.Length + 1 of them (+Inf last).</param>
    /// <param name="quantile">0 to 1.</param>
    /// <returns>NaN when there are no samples; the highest finite bound when the quantile falls in +Inf.</returns>
    public static double Estimate(ReadOnlySpan<double> bounds, ReadOnlySpan<long> counts, double quantile)
    {
        long total = 0;
        foreach (long count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return double.NaN;
        }

        double rank = quantile * total;
        long cumulative = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            long previous = cumulative;
            cumulative += counts[i];
            if (cumulative >= rank && counts[i] > 0)
            {
                if (i == bounds.Length)
                {
                    return bounds[^1];
                }

                double lower = i == 0 ? 0 : bounds[i - 1];
                return lower + ((bounds[i] - lower) * (rank - previous) / counts[i]);
            }
        }

        return bounds[^1];
    }
}
