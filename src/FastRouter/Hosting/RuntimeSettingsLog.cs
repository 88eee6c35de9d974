using System.Runtime;
using FastRouter.Configuration;
using Microsoft.Extensions.Logging;

namespace FastRouter.Hosting;

/// <summary>
/// One line at start saying which runtime settings the process actually runs with. They change CPU per request and
/// memory under load (docs/benchmarks.md, "Runtime settings"), and an operator's environment can override them, so
/// the line is what to check first when a router costs more than the benchmarks say.
/// </summary>
internal static partial class RuntimeSettingsLog
{
    public static void Write(ILogger logger, RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RuntimeSettings(
            logger,
            InlineSocketCompletions.IsEnabled,
            SocketThreads.Describe(),
            options.InlineIoScheduling,
            GCSettings.IsServerGC ? "server" : "workstation",
            GCSettings.LatencyMode != GCLatencyMode.Batch);
    }

    [LoggerMessage(401, LogLevel.Information, "Runtime: inline socket completions {InlineSocketCompletions}, socket threads {SocketThreads}, inline Kestrel scheduling {InlineIoScheduling}, {GcFlavour} GC, concurrent GC {ConcurrentGc}")]
    private static partial void RuntimeSettings(ILogger logger, bool inlineSocketCompletions, string socketThreads, bool inlineIoScheduling, string gcFlavour, bool concurrentGc);
}
