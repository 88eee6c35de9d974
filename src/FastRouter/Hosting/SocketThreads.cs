namespace FastRouter.Hosting;

/// <summary>
/// How many socket (epoll) threads .NET runs. With inline completions (<see cref="InlineSocketCompletions"/>) those
/// threads do all of the router's work, and .NET then starts one per core. Each request touches three sockets, which
/// .NET spreads over its threads in turn, so with several threads one request's work hops between cores and each
/// thread wakes for smaller batches. On the 2-core benchmark VM one thread instead of two took 11 % off the CPU per
/// orchestrated request, measured paired, at the same throughput (docs/benchmarks.md, "Runtime settings"). The
/// default is therefore one thread per two cores: the cores left over serve the kernel's network work, the GC and the
/// timers, and a pod with many cores still gets parallel loops. .NET reads the variable once, when the first socket
/// is made, so the process entry applies this before anything opens one.
/// </summary>
internal static class SocketThreads
{
    public const string VariableName = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>
    /// The count to put in the variable, or null to leave it as it is: the flag wins, then an operator's own value;
    /// without inline completions the threads only hand work to the thread pool and .NET's default (one per 30 cores)
    /// is right.
    /// </summary>
    public static int? Choose(int? requested, string? operatorValue, bool inlineCompletions, int processorCount)
    {
        if (requested is int count)
        {
            return count;
        }

        if (operatorValue is not null || !inlineCompletions)
        {
            return null;
        }

        return Math.Max(1, processorCount / 2);
    }

    public static void Apply(int? requested)
    {
        int? count = Choose(requested, Environment.GetEnvironmentVariable(VariableName), InlineSocketCompletions.IsEnabled, Environment.ProcessorCount);
        if (count is int chosen)
        {
            Environment.SetEnvironmentVariable(VariableName, chosen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>What the start-up line reports: the variable as .NET will read it.</summary>
    public static string Describe() => Environment.GetEnvironmentVariable(VariableName) ?? ".NET's default";
}
