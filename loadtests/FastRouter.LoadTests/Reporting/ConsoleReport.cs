using System.Globalization;
using System.Text;

namespace FastRouter.LoadTests.Reporting;

/// <summary>The table printed at the end of a run: one row per metric that has values, then rates and errors.</summary>
internal static class ConsoleReport
{
    public static string Render(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var text = new StringBuilder();
        CultureInfo invariant = CultureInfo.InvariantCulture;
        RunConfigSummary config = summary.Config;
        text.AppendLine();
        text.AppendLine(invariant, $"Run '{summary.Name}': {config.Scenario}, {config.Mode}{(config.Rate is { } rate ? string.Create(invariant, $" at {rate:F1} req/s (max {config.Concurrency} in flight)") : $", concurrency {config.Concurrency}")}, {summary.MeasuredSeconds:F1} s measured");
        text.AppendLine(invariant, $"Target: {config.Target ?? $"direct prefill {config.DirectPrefill} -> decode {config.DirectDecode}"}  prompt tokens {config.PromptTokens}, max tokens {config.MaxTokens}");
        text.AppendLine();
        text.AppendLine(invariant, $"{"metric (ms)",-14}{"count",10}{"mean",10}{"p50",10}{"p90",10}{"p99",10}{"p99.9",10}{"max",10}");
        text.AppendLine(new string('-', 84));
        foreach (MetricSummary metric in summary.Metrics.Values)
        {
            if (metric.Count == 0)
            {
                continue;
            }

            text.AppendLine(invariant, $"{metric.Title,-14}{metric.Count,10}{metric.MeanMs,10:F2}{metric.P50Ms,10:F2}{metric.P90Ms,10:F2}{metric.P99Ms,10:F2}{metric.P999Ms,10:F2}{metric.MaxMs,10:F2}");
        }

        text.AppendLine();
        RequestCountsSummary requests = summary.Requests;
        text.AppendLine(invariant, $"Requests: {requests.Succeeded} ok, {requests.Failed} failed, {requests.CutAtEnd} cut at the end, {requests.SentIncludingWarmup} sent in all (warm-up included)");
        text.AppendLine(invariant, $"Throughput: {summary.Rates.RequestsPerSecond:F1} req/s, {summary.Rates.OutputTokensPerSecond:F0} output tokens/s ({requests.OutputTokens} tokens)");
        if (requests.Failed > 0)
        {
            text.AppendLine("Errors by cause:");
            foreach ((string cause, long count) in summary.Errors)
            {
                if (count > 0)
                {
                    string sample = summary.ErrorSamples.TryGetValue(cause, out string? s) ? $"  e.g. {s}" : string.Empty;
                    text.AppendLine(invariant, $"  {cause,-28}{count,10}{sample}");
                }
            }
        }
        else
        {
            text.AppendLine("Errors: none");
        }

        return text.ToString();
    }
}
