using System.Collections.Concurrent;
using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Metrics;

namespace FastRouter.LoadTests.Running;

/// <summary>
/// Fixed rate: one dispatcher walks a Poisson arrival schedule and starts each request at its arrival time,
/// whether or not earlier ones have answered. Latency counts from the intended arrival (see
/// <see cref="RunPlan.ExecuteAndRecordAsync"/>), so when the target or the in-flight cap holds requests back,
/// the wait shows in the percentiles instead of being silently skipped (coordinated omission).
/// </summary>
internal static class OpenLoopDriver
{
    // Sleeping is only worth it for waits longer than the timer's granularity; shorter ones send at once.
    private static readonly long SleepThreshold = MonotonicTime.FromSeconds(0.002);
    private static readonly long TimerSlack = MonotonicTime.FromSeconds(0.001);

    public static async Task RunAsync(RunPlan plan, CancellationToken runToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        double rate = plan.Options.Rate ?? throw new ArgumentException("Open loop needs a rate.", nameof(plan));
        var schedule = new PoissonSchedule(rate, new Random(plan.Options.Seed));
        using var slots = new SemaphoreSlim(plan.Options.Concurrency);
        var contexts = new ConcurrentBag<RequestContext>();
        var running = new ConcurrentDictionary<int, Task>();
        double offsetSeconds = 0;
        int index = 0;
        try
        {
            while (!runToken.IsCancellationRequested)
            {
                long intended = plan.RunStart + MonotonicTime.FromSeconds(offsetSeconds);
                if (intended >= plan.MeasureEnd)
                {
                    break;
                }

                long wait = intended - MonotonicTime.Now;
                if (wait > SleepThreshold)
                {
                    await Task.Delay(TimeSpan.FromSeconds(MonotonicTime.ToSeconds(wait - TimerSlack)), runToken).ConfigureAwait(false);
                    continue;
                }

                // At the cap, the arrival waits here; its latency still counts from `intended`.
                await slots.WaitAsync(runToken).ConfigureAwait(false);
                if (!contexts.TryTake(out RequestContext? context))
                {
                    context = new RequestContext(StableSeed.Mix(plan.Options.Seed, 0x0BE1, index), runToken);
                }

                LaneRecorder lane = plan.Collector.Lanes[index % plan.Collector.Lanes.Length];
                int id = index++;
                running[id] = RunOneAsync(plan, context, lane, intended, slots, contexts, running, id, runToken);
                offsetSeconds += schedule.NextGapSeconds();
            }
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            // The run was stopped; the requests in flight see the same token and end themselves.
        }

        await Task.WhenAll(running.Values).ConfigureAwait(false);
        foreach (RequestContext context in contexts)
        {
            context.Dispose();
        }
    }

    private static async Task RunOneAsync(
        RunPlan plan,
        RequestContext context,
        LaneRecorder lane,
        long intended,
        SemaphoreSlim slots,
        ConcurrentBag<RequestContext> contexts,
        ConcurrentDictionary<int, Task> running,
        int id,
        CancellationToken runToken)
    {
        // Leave the dispatcher at once: building and sending the request must not delay the next arrival.
        await Task.Yield();
        try
        {
            await plan.ExecuteAndRecordAsync(context, lane, intended, openLoop: true, runToken).ConfigureAwait(false);
        }
        finally
        {
            contexts.Add(context);
            slots.Release();
            running.TryRemove(id, out _);
        }
    }
}
