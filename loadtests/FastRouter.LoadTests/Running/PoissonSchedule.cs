namespace FastRouter.LoadTests.Running;

/// <summary>
/// Arrival times of a Poisson process: gaps drawn from an exponential distribution with mean 1/rate, so
/// requests bunch and thin out the way independent users do, instead of a metronome a server can settle into.
/// Used by the one dispatcher loop only.
/// </summary>
internal sealed class PoissonSchedule
{
    private readonly Random _random;
    private readonly double _ratePerSecond;

    public PoissonSchedule(double ratePerSecond, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentNullException.ThrowIfNull(random);
        _ratePerSecond = ratePerSecond;
        _random = random;
    }

    /// <summary>Seconds from one arrival to the next. 1 − U is in (0, 1], so the logarithm is finite.</summary>
    public double NextGapSeconds() => -Math.Log(1.0 - _random.NextDouble()) / _ratePerSecond;
}
