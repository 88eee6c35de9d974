using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Metrics;
using HdrHistogram;

namespace FastRouter.Tests.LoadTests;

public sealed class HistogramMergeTests
{
    [Fact]
    public void LanesMergedEachInterval_EqualOneHistogramOfEveryValue()
    {
        var collector = new MetricsCollector(laneCount: 3);
        LongHistogram reference = LatencyHistograms.Create();
        var random = new Random(9);
        long ticksPerMicrosecond = System.Diagnostics.Stopwatch.Frequency / 1_000_000;
        for (int interval = 0; interval < 4; interval++)
        {
            for (int i = 0; i < 3000; i++)
            {
                long micros = random.Next(100, 2_000_000);
                reference.RecordValue(micros);
                var result = new RequestResult(RequestOutcome.Succeeded, default, null, OriginTimestamp: 0, FirstTokenTimestamp: 0, EndTimestamp: micros * ticksPerMicrosecond, OutputTokens: 2, Streamed: false);
                collector.Lanes[i % 3].RecordSuccess(result, [], scheduleLagMicroseconds: -1);
            }

            TimelinePoint point = collector.Collect(interval + 1, 1, 0);
            Assert.Equal(3000, point.Succeeded);
        }

        LongHistogram merged = collector.Totals[MetricKind.EndToEnd];
        Assert.Equal(reference.TotalCount, merged.TotalCount);
        Assert.Equal(12_000, collector.Totals.Succeeded);
        Assert.Equal(24_000, collector.Totals.OutputTokens);
        foreach (double percentile in new[] { 50.0, 90, 99, 99.9, 100 })
        {
            // Same buckets, same counts: the merge is exact, not an approximation of the union.
            Assert.Equal(reference.GetValueAtPercentile(percentile), merged.GetValueAtPercentile(percentile));
        }

        Assert.Equal(4, collector.Timeline.Count);
    }

    [Fact]
    public void StreamSuccess_RecordsTtftGapsAndTimePerOutputToken()
    {
        var lane = new LaneRecorder();
        long tick = System.Diagnostics.Stopwatch.Frequency / 1000; // 1 ms
        var result = new RequestResult(RequestOutcome.Succeeded, default, null, OriginTimestamp: 0, FirstTokenTimestamp: 10 * tick, EndTimestamp: 40 * tick, OutputTokens: 4, Streamed: true);
        lane.RecordSuccess(result, [10_000, 10_000, 10_000], scheduleLagMicroseconds: 250);
        lane.RecordFailure(ErrorCause.Http5xx, "502: bad gateway");
        var set = new MetricSet();

        lane.DrainInto(set);

        Assert.Equal(1, set[MetricKind.TimeToFirstToken].TotalCount);
        Assert.Equal(3, set[MetricKind.InterTokenLatency].TotalCount);
        Assert.InRange(MetricsCollector.Milliseconds(set[MetricKind.TimePerOutputToken], 50), 9.98, 10.02);
        Assert.InRange(MetricsCollector.Milliseconds(set[MetricKind.TimeToFirstToken], 50), 9.98, 10.02);
        Assert.Equal(1, set[MetricKind.ScheduleLag].TotalCount);
        Assert.Equal(1, set.Errors[(int)ErrorCause.Http5xx]);
        Assert.Equal("502: bad gateway", set.ErrorSamples[(int)ErrorCause.Http5xx]);
    }
}
