using FastRouter.LoadTests.Cli;
using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Metrics;
using FastRouter.LoadTests.Scenarios;

namespace FastRouter.LoadTests.Running;

/// <summary>
/// One run, in its phases: warm-up (sent, not recorded), measure (recorded), drain (no new sends; requests in
/// flight may finish until the drain timeout, then are cut). Prints progress once a second meanwhile.
/// </summary>
internal static class LoadRunner
{
    public static async Task<RunResult> RunAsync(LoadTestOptions options, TextWriter progress, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        DateTimeOffset startedUtc = DateTimeOffset.UtcNow;
        using HttpMessageInvoker invoker = LoadHttpClientFactory.Create(options.Concurrency);
        var executor = new RequestExecutor(invoker, new RequestBodyCache(options.Model), options.RequestTimeout, options.Target ?? options.DirectDecode!, options.DirectPrefill);
        var collector = new MetricsCollector(MetricsCollector.LaneCountFor(options.Concurrency));
        var counters = new RunCounters();
        var plan = new RunPlan(options, executor, collector, counters, MonotonicTime.Now);

        // The run token ends requests still in flight after the drain timeout, or at once on Ctrl+C.
        using var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
        TimeSpan untilDrainEnds = options.Warmup + options.Duration + options.DrainTimeout;
        runCancellation.CancelAfter(untilDrainEnds);

        Task load = options.IsOpenLoop
            ? OpenLoopDriver.RunAsync(plan, runCancellation.Token)
            : ClosedLoopDriver.RunAsync(plan, runCancellation.Token);

        long lastCollect = plan.MeasureStart;
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (!load.IsCompleted)
        {
            Task tick = ticker.WaitForNextTickAsync(CancellationToken.None).AsTask();
            await Task.WhenAny(tick, load).ConfigureAwait(false);
            if (load.IsCompleted)
            {
                break;
            }

            long now = MonotonicTime.Now;
            double elapsed = MonotonicTime.ToSeconds(now - plan.RunStart);
            if (now < plan.MeasureStart)
            {
                WriteProgress(progress, options, ProgressLine.Warmup(elapsed, counters));
                continue;
            }

            TimelinePoint point = collector.Collect(MonotonicTime.ToSeconds(now - plan.MeasureStart), MonotonicTime.ToSeconds(now - lastCollect), counters.InFlight);
            lastCollect = now;
            WriteProgress(progress, options, ProgressLine.Measure(elapsed, point, collector.Totals, options.Scenario.Streams));
        }

        await load.ConfigureAwait(false);
        long finished = MonotonicTime.Now;

        // The tail: what finished since the last tick (the drain, mostly).
        if (finished > lastCollect && finished > plan.MeasureStart)
        {
            // Rated over at least a second: a tail of a few milliseconds would otherwise plot as a huge spike.
            double tail = Math.Max(1.0, MonotonicTime.ToSeconds(finished - Math.Max(lastCollect, plan.MeasureStart)));
            collector.Collect(MonotonicTime.ToSeconds(finished - plan.MeasureStart), tail, 0);
        }

        // Throughput is measured over the measured phase plus its drain: the requests it counts all started in the
        // phase, and those that end in the drain did their work there.
        double measuredSeconds = Math.Max(MonotonicTime.ToSeconds(finished - plan.MeasureStart), 1e-3);
        return new RunResult(options, startedUtc, measuredSeconds, collector.Totals, collector.Timeline, counters.Sent, counters.Succeeded, counters.Failed, counters.Cancelled, stopToken.IsCancellationRequested);
    }

    private static void WriteProgress(TextWriter progress, LoadTestOptions options, string line)
    {
        if (options.Progress)
        {
            progress.WriteLine(line);
            progress.Flush();
        }
    }
}
