using System.Runtime.CompilerServices;
using FastRouter.LoadTests.Cli;
using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Metrics;
using FastRouter.LoadTests.Scenarios;

namespace FastRouter.LoadTests.Running;

/// <summary>
/// What both load modes share: the phase boundaries (Stopwatch timestamps), the executor, where results go, and
/// the one step every request takes: draw its shape and lengths, send it, record it if it belongs to the
/// measured phase. Thread-safe.
/// </summary>
internal sealed class RunPlan
{
    public RunPlan(LoadTestOptions options, RequestExecutor executor, MetricsCollector collector, RunCounters counters, long runStart)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Executor = executor;
        Collector = collector;
        Counters = counters;
        RunStart = runStart;
        MeasureStart = runStart + MonotonicTime.FromSeconds(options.Warmup.TotalSeconds);
        MeasureEnd = MeasureStart + MonotonicTime.FromSeconds(options.Duration.TotalSeconds);
    }

    public LoadTestOptions Options { get; }

    public RequestExecutor Executor { get; }

    public MetricsCollector Collector { get; }

    public RunCounters Counters { get; }

    public long RunStart { get; }

    /// <summary>Requests whose (intended) send is at or after this are recorded; earlier ones are warm-up.</summary>
    public long MeasureStart { get; }

    /// <summary>No request is sent (or scheduled) at or after this.</summary>
    public long MeasureEnd { get; }

    /// <param name="intended">When the request was meant to leave: now in closed loop, its arrival in open loop.</param>
    /// <param name="openLoop">Open loop: latencies count from <paramref name="intended"/> and the send lag is recorded.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ExecuteAndRecordAsync(RequestContext context, LaneRecorder lane, long intended, bool openLoop, CancellationToken runToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(lane);
        Scenario scenario = Options.Scenario;
        RequestShape shape = scenario.Pick(context.Random);
        int promptTokens = Options.PromptTokens.Sample(context.Random);
        int maxTokens = Options.MaxTokens.Sample(context.Random);

        // A request sent late (the generator could not keep up, or the in-flight cap was reached) is timed from
        // its intended send: the wait is latency a real user would have seen. One sent a little early (timer
        // granularity) is timed from its real send, so the generator never flatters the target.
        long actual = MonotonicTime.Now;
        long origin = Math.Min(intended, actual);
        long lagMicroseconds = openLoop ? MonotonicTime.ToMicroseconds(Math.Max(0, actual - intended)) : -1;
        bool measured = intended >= MeasureStart;

        Counters.OnSent();
        RequestResult result = await Executor.ExecuteAsync(context, shape, promptTokens, maxTokens, origin, runToken).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case RequestOutcome.Succeeded:
                Counters.OnSucceeded();
                if (measured)
                {
                    lane.RecordSuccess(result, context.GapsMicroseconds.AsSpan(0, context.GapCount), lagMicroseconds);
                }

                break;
            case RequestOutcome.Failed:
                Counters.OnFailed();
                if (measured)
                {
                    lane.RecordFailure(result.Cause, result.ErrorDetail);
                }

                break;
            default:
                Counters.OnCancelled();
                break;
        }
    }
}
