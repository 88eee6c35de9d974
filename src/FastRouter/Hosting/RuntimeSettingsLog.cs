using System.Runtime;
using FastRouter.Configuration;
using FastRouter.Proxying;
using Microsoft.Extensions.Logging;

namespace FastRouter.Hosting;

/// <summary>
/// One line at start saying which runtime settings the process actually runs with. They change CPU per request and
/// memory under load (docs/benchmarks.md, "Runtime settings"), and an operator's environment can override them, so
/// the line is what to check first when a router costs more than the benchmarks say.
/// </summary>
internal static partial class RuntimeSettingsLog
{
    public static void Write(ILogger logger, RouterOptions options, BufferBudget budget)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(budget);

        // The GC's limit: its heap hard limit when one applies (by default 75 % of a container's memory limit), else
        // the machine's memory. Nothing in the router sets one, so this is what the cgroup and the operator made it.
        long gcLimit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        RuntimeSettings(
            logger,
            InlineSocketCompletions.IsEnabled,
            SocketThreads.Describe(),
            options.InlineIoScheduling,
            GCSettings.IsServerGC ? "server" : "workstation",
            GCSettings.LatencyMode != GCLatencyMode.Batch,
            gcLimit,
            budget.Limit);
    }

    [LoggerMessage(401, LogLevel.Information, "Runtime: inline socket completions {InlineSocketCompletions}, socket threads {SocketThreads}, inline Kestrel scheduling {InlineIoScheduling}, {GcFlavour} GC, concurrent GC {ConcurrentGc}, GC memory limit {GcMemoryLimitBytes} bytes, buffer budget {BufferBudgetBytes} bytes")]
    private static partial void RuntimeSettings(ILogger logger, bool inlineSocketCompletions, string socketThreads, bool inlineIoScheduling, string gcFlavour, bool concurrentGc, long gcMemoryLimitBytes, long bufferBudgetBytes);
}
