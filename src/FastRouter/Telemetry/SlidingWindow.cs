namespace FastRouter.Telemetry;

/// <summary>
/// Count and sum of samples over the last N whole seconds, in one slot per second, as production-stack's
/// <c>MovingAverageMonitor</c> over its request-stats window. Lock-free: a slot is reset by whichever writer first
/// sees it is stale, so a sample racing that reset can be lost; good enough for a dashboard average, never for
/// counting (the Prometheus counters do that).
/// </summary>
internal sealed class SlidingWindow
{
    private readonly long[] _epochs;
    private readonly long[] _counts;
    private readonly long[] _sums;

    /// <param name="seconds">The window's length in seconds.</param>
    public SlidingWindow(int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        _epochs = new long[seconds];
        _counts = new long[seconds];
        _sums = new long[seconds];
        Array.Fill(_epochs, long.MinValue);
    }

    public int Seconds => _epochs.Length;

    /// <param name="second">The current whole second (monotonic).</param>
    /// <param name="value">The sample, in the caller's integer unit (microseconds, tokens, 1 for a count).</param>
    public void Add(long second, long value)
    {
        int slot = (int)(second % _epochs.Length);
        long epoch = Volatile.Read(ref _epochs[slot]);
        if (epoch != second && Interlocked.CompareExchange(ref _epochs[slot], second, epoch) == epoch)
        {
            Interlocked.Exchange(ref _counts[slot], 0);
            Interlocked.Exchange(ref _sums[slot], 0);
        }

        Interlocked.Increment(ref _counts[slot]);
        Interlocked.Add(ref _sums[slot], value);
    }

    /// <summary>Count and sum of the samples of the last <see cref="Seconds"/> seconds up to <paramref name="second"/>.</summary>
    public (long Count, long Sum) Read(long second)
    {
        long count = 0;
        long sum = 0;
        for (int i = 0; i < _epochs.Length; i++)
        {
            long epoch = Volatile.Read(ref _epochs[i]);
            if (epoch <= second && epoch > second - _epochs.Length)
            {
                count += Volatile.Read(ref _counts[i]);
                sum += Volatile.Read(ref _sums[i]);
            }
        }

        return (count, sum);
    }
}
