using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Metrics;
using FastRouter.LoadTests.Running;
using HdrHistogram;

namespace FastRouter.LoadTests.Reporting;

/// <summary>Turns a finished run into the <see cref="RunSummary"/> every report is written from.</summary>
internal static class SummaryBuilder
{
    /// <summary>The percentiles of each metric's spectrum: dense near the tail, where latency stories are told.</summary>
    public static IReadOnlyList<double> SpectrumPercentiles { get; } =
        [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 100];

    public static RunSummary Build(RunResult run, string commandLine)
    {
        ArgumentNullException.ThrowIfNull(run);
        var options = run.Options;
        MetricSet totals = run.Totals;
        var metrics = new Dictionary<string, MetricSummary>(StringComparer.Ordinal);
        foreach (MetricKind kind in MetricNames.All)
        {
            metrics[MetricNames.Key(kind)] = Summarize(MetricNames.Title(kind), totals[kind]);
        }

        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        var samples = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ErrorCause cause in Enum.GetValues<ErrorCause>())
        {
            errors[ErrorNames.Key(cause)] = totals.Errors[(int)cause];
            if (totals.ErrorSamples[(int)cause] is { } sample)
            {
                samples[ErrorNames.Key(cause)] = sample;
            }
        }

        double seconds = run.MeasuredSeconds;
        var config = new RunConfigSummary(
            options.IsOpenLoop ? "open-loop" : "closed-loop",
            options.Target?.ToString(),
            options.DirectPrefill?.ToString(),
            options.DirectDecode?.ToString(),
            options.Scenario.Name,
            options.Scenario.Shapes.Select(s => s.Name).ToArray(),
            options.Concurrency,
            options.Rate,
            options.Duration.TotalSeconds,
            options.Warmup.TotalSeconds,
            options.DrainTimeout.TotalSeconds,
            options.RequestTimeout.TotalSeconds,
            options.PromptTokens.Text,
            options.MaxTokens.Text,
            options.Model,
            options.Seed,
            commandLine);
        return new RunSummary(
            options.Name,
            run.StartedUtc,
            seconds,
            run.StoppedByUser,
            config,
            MachineSummary.Current(),
            new RequestCountsSummary(totals.Succeeded, totals.Failed, totals.OutputTokens, run.SentIncludingWarmup, run.Cancelled),
            new RatesSummary(totals.Succeeded / seconds, totals.OutputTokens / seconds, totals.Failed / seconds, options.Rate),
            metrics,
            errors,
            samples,
            run.Timeline);
    }

    public static MetricSummary Summarize(string title, LongHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.TotalCount == 0)
        {
            return new MetricSummary(title, 0, 0, 0, 0, 0, 0, 0, 0, []);
        }

        var spectrum = SpectrumPercentiles
            .Select(p => new PercentileValue(p, p == 0 ? histogram.LowestEquivalentValue(histogram.GetValueAtPercentile(0)) / 1000.0 : MetricsCollector.Milliseconds(histogram, p)))
            .ToArray();
        return new MetricSummary(
            title,
            histogram.TotalCount,
            spectrum[0].ValueMs,
            histogram.GetMean() / 1000.0,
            MetricsCollector.Milliseconds(histogram, 50),
            MetricsCollector.Milliseconds(histogram, 90),
            MetricsCollector.Milliseconds(histogram, 99),
            MetricsCollector.Milliseconds(histogram, 99.9),
            MetricsCollector.Milliseconds(histogram, 100),
            spectrum);
    }
}
