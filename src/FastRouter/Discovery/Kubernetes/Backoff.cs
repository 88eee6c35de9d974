namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// Capped exponential backoff with jitter: initial, doubling, up to the cap, each delay shortened by up to 20 %
/// at random so many routers restarted together do not hit the API server in step. Not thread-safe: one per loop.
/// </summary>
internal sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private int _attempt;

    public Backoff(TimeSpan initial, TimeSpan max, Random random)
    {
        _initial = initial;
        _max = max < initial ? initial : max;
        _random = random;
    }

    /// <summary>Failures since the last <see cref="Reset"/>.</summary>
    public int Attempts => _attempt;

    public TimeSpan Next()
    {
        // 2^attempt overflows nothing: the exponent stops growing once past the cap.
        double factor = Math.Pow(2, Math.Min(_attempt, 30));
        _attempt++;
        double ticks = Math.Min(_initial.Ticks * factor, _max.Ticks);
        double sample;
        lock (_random)
        {
            // A Random shared between backoffs (an injected seeded one) is not thread-safe by itself.
            sample = _random.NextDouble();
        }

        double jitter = 1 - (0.2 * sample);
        return TimeSpan.FromTicks((long)(ticks * jitter));
    }

    public void Reset() => _attempt = 0;
}
