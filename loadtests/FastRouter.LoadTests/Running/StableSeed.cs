namespace FastRouter.LoadTests.Running;

/// <summary>
/// Seeds for the load generator's Random streams, derived from (seed, what the stream is for, index) by a fixed mix.
/// Not <see cref="HashCode.Combine{T1, T2}"/>: that is randomised per process, so two runs of the same seed (one
/// configuration of a benchmark, then the next) would send different schedules and prompts.
/// </summary>
internal static class StableSeed
{
    public static int Mix(int seed, int purpose, int index)
    {
        // SplitMix64's finaliser over the three values packed into one: well spread, and the same in every process.
        ulong z = unchecked(((ulong)(uint)seed << 32) ^ ((ulong)(uint)purpose << 16) ^ (uint)index) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }

    /// <summary>Two indexes (a conversation and its turn, say): the first mixed in, then the second.</summary>
    public static int Mix(int seed, int purpose, int first, int second) => Mix(Mix(seed, purpose, first), purpose, second);
}
