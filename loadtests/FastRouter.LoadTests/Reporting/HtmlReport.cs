using System.Globalization;
using System.Net;
using System.Text;
using FastRouter.LoadTests.Metrics;
using FastRouter.LoadTests.Running;

namespace FastRouter.LoadTests.Reporting;

/// <summary>
/// report.html: one self-contained page (inline CSS and SVG, no script, no external resource) a person can open
/// from disk or attach to an issue: the run's settings, the metric table, errors, and the charts.
/// </summary>
internal static class HtmlReport
{
    private const string Blue = "#1f77b4";
    private const string Orange = "#ff7f0e";
    private const string Red = "#d62728";
    private const string Grey = "#7f7f7f";
    private const string Green = "#2ca02c";
    private const string Purple = "#9467bd";

    public static string Render(RunSummary summary, RunResult result)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(result);
        var html = new StringBuilder();
        CultureInfo invariant = CultureInfo.InvariantCulture;
        RunConfigSummary config = summary.Config;
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(Encode($"Load test {summary.Name}"))
            .Append("</title><style>")
            .Append("body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1140px;color:#222}")
            .Append("h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}")
            .Append("table{border-collapse:collapse;margin:8px 0}td,th{padding:4px 10px;border-bottom:1px solid #eee;text-align:right}")
            .Append("th:first-child,td:first-child{text-align:left}.kv td{text-align:left}")
            .Append(".cards{display:flex;gap:16px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:150px}")
            .Append(".card b{display:block;font-size:22px}.bad b{color:#d62728}")
            .Append("figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}")
            .Append(".grid{stroke:#e6e6e6}.axis{stroke:#555}.tick{font-size:11px;fill:#555}.label{font-size:12px;fill:#333}.legend{font-size:12px;fill:#333}")
            .Append(".empty{color:#888}.note{color:#555;font-size:13px}")
            .Append("</style></head><body>");

        html.Append(invariant, $"<h1>Load test <code>{Encode(summary.Name)}</code></h1>");
        html.Append(invariant, $"<p class=\"note\">Started {summary.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC · {Encode(config.Scenario)} · {Encode(config.Mode)} · {summary.MeasuredSeconds:F1} s measured{(summary.StoppedByUser ? " · stopped early by the user" : string.Empty)}</p>");

        html.Append("<div class=\"cards\">");
        Card(html, "requests/s", summary.Rates.RequestsPerSecond.ToString("F1", invariant), bad: false);
        Card(html, "output tokens/s", summary.Rates.OutputTokensPerSecond.ToString("F0", invariant), bad: false);
        Card(html, "succeeded", summary.Requests.Succeeded.ToString(invariant), bad: false);
        Card(html, "failed", summary.Requests.Failed.ToString(invariant), bad: summary.Requests.Failed > 0);
        if (summary.Metrics.TryGetValue("ttft", out MetricSummary? ttft) && ttft.Count > 0)
        {
            Card(html, "TTFT p50 / p99 (ms)", string.Create(invariant, $"{ttft.P50Ms:F1} / {ttft.P99Ms:F1}"), bad: false);
        }

        if (summary.Metrics.TryGetValue("itl", out MetricSummary? itl) && itl.Count > 0)
        {
            Card(html, "ITL p50 / p99 (ms)", string.Create(invariant, $"{itl.P50Ms:F1} / {itl.P99Ms:F1}"), bad: false);
        }

        MetricSummary e2e = summary.Metrics["e2e"];
        Card(html, "E2E p50 / p99 (ms)", string.Create(invariant, $"{e2e.P50Ms:F1} / {e2e.P99Ms:F1}"), bad: false);
        html.Append("</div>");

        html.Append("<h2>Latency (ms)</h2><table><tr><th>metric</th><th>count</th><th>min</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
        foreach (MetricSummary metric in summary.Metrics.Values.Where(m => m.Count > 0))
        {
            html.Append(invariant, $"<tr><td>{Encode(metric.Title)}</td><td>{metric.Count}</td><td>{metric.MinMs:F2}</td><td>{metric.MeanMs:F2}</td><td>{metric.P50Ms:F2}</td><td>{metric.P90Ms:F2}</td><td>{metric.P99Ms:F2}</td><td>{metric.P999Ms:F2}</td><td>{metric.MaxMs:F2}</td></tr>");
        }

        html.Append("</table><p class=\"note\">TTFT and E2E count from the send")
            .Append(config.Mode == "open-loop" ? " <em>intended</em> by the Poisson schedule (coordinated omission corrected)" : string.Empty)
            .Append("; ITL is the gap between consecutive token chunks; TPOT = (E2E − TTFT) / (output tokens − 1) per stream.</p>");

        TimelineCharts(html, summary.Timeline, result.Options.Scenario.Streams);

        if (result.Options.Scenario.Streams)
        {
            html.Append("<h2>Distributions</h2>");
            html.Append(SvgChart.Bars("TTFT distribution (values above p99.9 in the last bar)", "TTFT (ms)", "requests", DistributionBinner.Bin(result.Totals[MetricKind.TimeToFirstToken], 50), Blue));
            html.Append(SvgChart.Bars("Inter-token latency distribution (values above p99.9 in the last bar)", "ITL (ms)", "token gaps", DistributionBinner.Bin(result.Totals[MetricKind.InterTokenLatency], 50), Orange));
        }
        else
        {
            html.Append("<h2>Distribution</h2>");
            html.Append(SvgChart.Bars("End-to-end latency distribution (values above p99.9 in the last bar)", "E2E (ms)", "requests", DistributionBinner.Bin(result.Totals[MetricKind.EndToEnd], 50), Blue));
        }

        // Stream metrics (tens of ms) and end-to-end latency (seconds) get their own spectra so neither is flattened.
        List<ChartSeries> streamSpectrum = SpectrumSeries(summary, [("ttft", Blue), ("itl", Orange), ("tpot", Green)]);
        if (streamSpectrum.Count > 0)
        {
            html.Append(SvgChart.Line("Percentile spectrum: TTFT, ITL, TPOT", "percentile", "ms", streamSpectrum, SpectrumTicks()));
        }

        html.Append(SvgChart.Line("Percentile spectrum: end-to-end latency", "percentile", "ms", SpectrumSeries(summary, [("e2e", Red)]), SpectrumTicks()));

        html.Append("<h2>Errors</h2>");
        if (summary.Requests.Failed == 0)
        {
            html.Append("<p>None.</p>");
        }
        else
        {
            html.Append("<table class=\"kv\"><tr><th>cause</th><th>count</th><th>first message</th></tr>");
            foreach ((string cause, long count) in summary.Errors.Where(e => e.Value > 0))
            {
                string sample = summary.ErrorSamples.TryGetValue(cause, out string? s) ? s : string.Empty;
                html.Append(invariant, $"<tr><td>{Encode(cause)}</td><td>{count}</td><td>{Encode(sample)}</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("<h2>Run</h2><table class=\"kv\">");
        Row(html, "target", config.Target ?? $"direct: prefill {config.DirectPrefill} → decode {config.DirectDecode}");
        Row(html, "scenario", $"{config.Scenario} ({string.Join(", ", config.RequestShapes)})");
        Row(html, "load", config.Rate is { } rate ? string.Create(invariant, $"open loop, Poisson arrivals at {rate:F1} req/s, at most {config.Concurrency} in flight") : $"closed loop, {config.Concurrency} workers");
        Row(html, "phases", string.Create(invariant, $"warm-up {config.WarmupSeconds:F1} s, measure {config.DurationSeconds:F1} s, drain up to {config.DrainTimeoutSeconds:F1} s"));
        Row(html, "lengths", $"prompt tokens {config.PromptTokens}, max tokens {config.MaxTokens}, model {config.Model}");
        Row(html, "requests", string.Create(invariant, $"{summary.Requests.Succeeded} ok, {summary.Requests.Failed} failed, {summary.Requests.CutAtEnd} cut at the end, {summary.Requests.SentIncludingWarmup} sent in all, {summary.Requests.OutputTokens} output tokens"));
        Row(html, "machine", string.Create(invariant, $"{summary.Machine.MachineName}: {summary.Machine.ProcessorCount} cores, {summary.Machine.OperatingSystem} {summary.Machine.Architecture}, {summary.Machine.DotnetVersion}"));
        Row(html, "command line", config.CommandLine);
        html.Append("</table></body></html>\n");
        return html.ToString();
    }

    private static void TimelineCharts(StringBuilder html, IReadOnlyList<TimelinePoint> timeline, bool streams)
    {
        html.Append("<h2>Over time (per-second buckets, by completion time)</h2>");
        html.Append(SvgChart.Line(
            "End-to-end latency percentiles over time",
            "seconds into the measured phase",
            "ms",
            [
                Series("p50", Blue, timeline, p => p.EndToEndP50Ms),
                Series("p90", Green, timeline, p => p.EndToEndP90Ms),
                Series("p99", Orange, timeline, p => p.EndToEndP99Ms),
                Series("max", Red, timeline, p => p.EndToEndMaxMs),
            ]));
        if (streams)
        {
            html.Append(SvgChart.Line(
                "TTFT and inter-token latency percentiles over time",
                "seconds into the measured phase",
                "ms",
                [
                    Series("TTFT p50", Blue, timeline, p => p.TtftP50Ms),
                    Series("TTFT p99", Purple, timeline, p => p.TtftP99Ms),
                    Series("ITL p50", Green, timeline, p => p.ItlP50Ms),
                    Series("ITL p99", Orange, timeline, p => p.ItlP99Ms),
                ]));
        }

        html.Append(SvgChart.Line(
            "Throughput over time",
            "seconds into the measured phase",
            "requests/s",
            [
                AllSeconds("succeeded/s", Blue, timeline, p => p.RequestsPerSecond),
                AllSeconds("failed/s", Red, timeline, p => p.Failed / Math.Max(p.IntervalSeconds, 1e-6)),
                AllSeconds("in flight", Grey, timeline, p => p.InFlight),
            ]));
    }

    // Throughput is meaningful for every second, including those in which nothing finished (that is the news).
    private static ChartSeries AllSeconds(string name, string color, IReadOnlyList<TimelinePoint> timeline, Func<TimelinePoint, double> value) =>
        new(name, color, timeline.Select(p => new ChartPoint(p.ElapsedSeconds, value(p))).ToArray());

    // Latency percentiles exist only for seconds in which requests finished; empty seconds are left out, not drawn as 0.
    private static ChartSeries Series(string name, string color, IReadOnlyList<TimelinePoint> timeline, Func<TimelinePoint, double> value) =>
        new(name, color, timeline.Where(p => p.Succeeded > 0 || p.Failed > 0).Select(p => new ChartPoint(p.ElapsedSeconds, value(p))).ToArray());

    // The x axis of a spectrum is log10(1 / (1 − p)): 90 % at 1, 99 % at 2, 99.9 % at 3, so the tail gets room.
    private static double SpectrumX(double percentile) => Math.Log10(1.0 / Math.Max(1.0 - (percentile / 100.0), 1e-5));

    private static IReadOnlyList<AxisTick> SpectrumTicks() =>
        [new(0, "0%"), new(1, "90%"), new(2, "99%"), new(3, "99.9%"), new(4, "99.99%"), new(5, "max")];

    private static List<ChartSeries> SpectrumSeries(RunSummary summary, (string Key, string Color)[] wanted)
    {
        var series = new List<ChartSeries>();
        foreach ((string key, string color) in wanted)
        {
            if (summary.Metrics.TryGetValue(key, out MetricSummary? metric) && metric.Count > 0)
            {
                series.Add(new ChartSeries(metric.Title, color, metric.Spectrum.Select(p => new ChartPoint(SpectrumX(p.Percentile), p.ValueMs)).ToArray()));
            }
        }

        return series;
    }

    private static void Card(StringBuilder html, string label, string value, bool bad) =>
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"card{(bad ? " bad" : string.Empty)}\"><b>{Encode(value)}</b>{Encode(label)}</div>");

    private static void Row(StringBuilder html, string name, string value) =>
        html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Encode(name)}</td><td>{Encode(value)}</td></tr>");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
