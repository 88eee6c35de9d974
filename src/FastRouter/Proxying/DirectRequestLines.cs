using FastRouter.Telemetry.ConsoleLog;
using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>
/// <see cref="RequestLog"/>'s direct path: the router's console logger and the per-request lines' templates, the
/// <c>LoggerMessage</c> templates of <see cref="RequestLog"/> split around their one value.
/// </summary>
internal sealed class DirectRequestLines(RouterConsoleLogger console)
{
    public RouterConsoleLogger Console { get; } = console;

    public LineTemplate Starting { get; } = console.Template(LogLevel.Information, 1, "Starting orchestrated disaggregated inference");

    public LineTemplate PrefillEndpoint { get; } = console.Template(LogLevel.Information, 2, "Prefill endpoint: ");

    public LineTemplate DecodeEndpoint { get; } = console.Template(LogLevel.Information, 3, "Decode endpoint: ");

    public LineTemplate SendingPrefill { get; } = console.Template(LogLevel.Information, 4, "Sending prefill request to ");

    public LineTemplate PrefillCompleted { get; } = console.Template(LogLevel.Information, 5, "Prefill completed in ", "s (TTFT)", "F2");

    /// <summary>The decode-only line, one template per reason: its one value is the pod, the reason a fixed word.</summary>
    public LineTemplate DecodeOnlyShortUncached { get; } = console.Template(LogLevel.Information, 9, "Serving decode-only on ", Reason(Disaggregation.DisaggregationDecision.DecodeOnlyShortUncached));

    public LineTemplate DecodeOnlyNoPrefill { get; } = console.Template(LogLevel.Information, 9, "Serving decode-only on ", Reason(Disaggregation.DisaggregationDecision.DecodeOnlyNoPrefill));

    public LineTemplate SendingDecode { get; } = console.Template(LogLevel.Information, 7, "Sending decode request to ");

    public LineTemplate Completed { get; } = console.Template(LogLevel.Information, 8, "Orchestrated request completed, total time = ", "s", "F2");

    private static string Reason(Disaggregation.DisaggregationDecision decision) => " (" + Telemetry.MetricLabels.ReasonOf(decision) + ")";
}
