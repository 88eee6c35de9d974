using System.Diagnostics;

namespace FastRouter.LoadTests.Http;

/// <summary>Stopwatch timestamps and their conversion to the microseconds histograms record.</summary>
internal static class MonotonicTime
{
    private static readonly double MicrosecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    public static long Now => Stopwatch.GetTimestamp();

    public static long ToMicroseconds(long ticks) => (long)(ticks * MicrosecondsPerTick);

    public static long FromSeconds(double seconds) => (long)(seconds * Stopwatch.Frequency);

    public static double ToSeconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}
