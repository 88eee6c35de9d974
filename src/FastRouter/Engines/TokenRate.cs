namespace FastRouter.Engines;

/// <summary>
/// The exponential moving average both prefill work rates use (<see cref="EngineSnapshot.PromptTokensPerSecond"/>,
/// <see cref="OwnPromptRate"/>): tokens gained over the time since the previous sample, folded into the previous rate
/// with weight 1 − e^(−Δt/smoothing), so one interval's burst or lull moves it only part way.
/// </summary>
internal static class TokenRate
{
    /// <param name="previous">The rate so far; NaN for none (the first rate is the latest alone).</param>
    /// <param name="gained">Tokens since the previous sample; negative (a counter reset) keeps the previous rate.</param>
    /// <param name="seconds">Time since the previous sample; 0 or less keeps the previous rate.</param>
    /// <param name="smoothing">The time constant; zero or less: no smoothing.</param>
    public static double Fold(double previous, double gained, double seconds, TimeSpan smoothing)
    {
        if (seconds <= 0 || gained < 0 || double.IsNaN(gained))
        {
            return previous;
        }

        double latest = gained / seconds;
        if (double.IsNaN(previous) || smoothing <= TimeSpan.Zero)
        {
            return latest;
        }

        double weight = 1 - Math.Exp(-seconds / smoothing.TotalSeconds);
        return previous + (weight * (latest - previous));
    }
}
