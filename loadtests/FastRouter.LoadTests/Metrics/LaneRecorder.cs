using FastRouter.LoadTests.Http;

namespace FastRouter.LoadTests.Metrics;

/// <summary>
/// Where a group of workers records finished requests: its own histograms, so workers of different lanes never
/// contend, and one short lock per request (never per token) for the workers that share it. Every second the
/// collector moves what was recorded into the run's totals and the timeline (<see cref="DrainInto"/>).
/// </summary>
internal sealed class LaneRecorder
{
    private readonly Lock _gate = new();
    private readonly MetricSet _current = new();

    /// <param name="scheduleLagMicroseconds">Open loop: how late the send was; negative when not measured.</param>
    public void RecordSuccess(in RequestResult result, ReadOnlySpan<long> gapsMicroseconds, long scheduleLagMicroseconds)
    {
        long endToEnd = MonotonicTime.ToMicroseconds(result.EndTimestamp - result.OriginTimestamp);
        long ttft = result.FirstTokenTimestamp == 0 ? -1 : MonotonicTime.ToMicroseconds(result.FirstTokenTimestamp - result.OriginTimestamp);
        lock (_gate)
        {
            _current.Succeeded++;
            _current.OutputTokens += result.OutputTokens;
            _current[MetricKind.EndToEnd].RecordValue(LatencyHistograms.Clamp(endToEnd));
            if (scheduleLagMicroseconds >= 0)
            {
                _current[MetricKind.ScheduleLag].RecordValue(LatencyHistograms.Clamp(scheduleLagMicroseconds));
            }

            if (ttft < 0)
            {
                return;
            }

            _current[MetricKind.TimeToFirstToken].RecordValue(LatencyHistograms.Clamp(ttft));
            foreach (long gap in gapsMicroseconds)
            {
                _current[MetricKind.InterTokenLatency].RecordValue(LatencyHistograms.Clamp(gap));
            }

            if (result.OutputTokens > 1)
            {
                _current[MetricKind.TimePerOutputToken].RecordValue(LatencyHistograms.Clamp((endToEnd - ttft) / (result.OutputTokens - 1)));
            }
        }
    }

    public void RecordFailure(ErrorCause cause, string? detail)
    {
        lock (_gate)
        {
            _current.Errors[(int)cause]++;
            _current.ErrorSamples[(int)cause] ??= detail;
        }
    }

    /// <summary>Adds everything recorded since the last call to <paramref name="target"/> and starts afresh.</summary>
    public void DrainInto(MetricSet target)
    {
        ArgumentNullException.ThrowIfNull(target);
        lock (_gate)
        {
            target.Add(_current);
            _current.Reset();
        }
    }
}
