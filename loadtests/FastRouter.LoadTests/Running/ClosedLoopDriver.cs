using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Metrics;

namespace FastRouter.LoadTests.Running;

/// <summary>
/// Fixed concurrency: N workers, each sending its next request as soon as the previous one ends. Measures the
/// target at a given parallelism; it cannot show queueing beyond N, because a slow answer delays the next send.
/// </summary>
internal static class ClosedLoopDriver
{
    public static Task RunAsync(RunPlan plan, CancellationToken runToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        int workers = plan.Options.Concurrency;
        var tasks = new Task[workers];
        for (int i = 0; i < workers; i++)
        {
            int worker = i;
            tasks[i] = Task.Run(() => WorkerAsync(plan, worker, runToken), CancellationToken.None);
        }

        return Task.WhenAll(tasks);
    }

    private static async Task WorkerAsync(RunPlan plan, int worker, CancellationToken runToken)
    {
        LaneRecorder lane = plan.Collector.Lanes[worker % plan.Collector.Lanes.Length];
        using var context = new RequestContext(StableSeed.Mix(plan.Options.Seed, 0xC105, worker), runToken);
        while (!runToken.IsCancellationRequested)
        {
            long now = MonotonicTime.Now;
            if (now >= plan.MeasureEnd)
            {
                return;
            }

            await plan.ExecuteAndRecordAsync(context, lane, now, openLoop: false, runToken).ConfigureAwait(false);
        }
    }
}
