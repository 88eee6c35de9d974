using FastRouter.Telemetry;

namespace FastRouter.Tests.Telemetry;

/// <summary>
/// The family's series lookup: by reference among the last label sets, else by value. Whichever way a measurement
/// finds its series, equal labels must land in one series and different labels never share one.
/// </summary>
public sealed class MetricFamilyTests
{
    [Fact]
    public void EqualLabels_LandInOneSeries_WhetherTheSameStringsOrCopiesArePassed()
    {
        var family = new MetricFamily("requests_total", "help", MetricKind.Counter, null);
        string pod = "decode-0";
        string copy = new(pod.AsSpan()); // equal, but another instance: found by value, not by reference

        family.Record(1, Tags(("pod", pod)));
        family.Record(2, Tags(("pod", pod)));
        family.Record(4, Tags(("pod", copy)));
        family.Record(8, Tags(("pod", copy)));

        MetricSeries series = Assert.Single(family.Series);
        Assert.Equal(15, series.Value);
        Assert.Equal(["decode-0"], series.LabelValues);
    }

    [Fact]
    public void MoreLabelSetsThanTheRecentSlots_EachKeepItsOwnCount()
    {
        var family = new MetricFamily("duration_seconds", "help", MetricKind.Histogram, [0.1, 1]);
        string[] pods = Enumerable.Range(0, 20).Select(i => "pod-" + i).ToArray();
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < pods.Length; i++)
            {
                // Pod i is observed i + 1 times per round, interleaved with every other pod.
                for (int n = 0; n <= i; n++)
                {
                    family.Record(0.5, Tags(("pod", pods[i]), ("outcome", "success")));
                }
            }
        }

        Assert.Equal(pods.Length, family.Series.Count);
        Span<long> buckets = stackalloc long[3];
        foreach (MetricSeries series in family.Series)
        {
            int index = Array.IndexOf(pods, series.LabelValues[0]);
            Assert.Equal(50L * (index + 1), series.CopyBuckets(buckets));
            Assert.Equal(50L * (index + 1), buckets[1]);
        }
    }

    [Fact]
    public void LabelSetsThatShareAValue_AreStillDifferentSeries()
    {
        var family = new MetricFamily("calls_total", "help", MetricKind.Counter, null);
        const string pod = "prefill-0";
        family.Record(1, Tags(("pod", pod), ("outcome", "success")));
        family.Record(1, Tags(("pod", pod), ("outcome", "timeout")));
        family.Record(1, Tags(("pod", pod)));
        family.Record(1, Tags(("pod", pod), ("outcome", "success")));

        Assert.Equal(3, family.Series.Count);
        Assert.Equal(2, family.Series.Single(s => s.LabelValues is [_, "success"]).Value);
        Assert.Equal(1, family.Series.Single(s => s.LabelValues.Length == 1).Value);
    }

    [Fact]
    public void AfterClear_AMeasurementStartsAFreshSeries_NotTheForgottenOne()
    {
        var family = new MetricFamily("pods", "help", MetricKind.ObservedGauge, null);
        const string pod = "decode-1";
        family.Record(3, Tags(("pod", pod)));
        MetricSeries before = Assert.Single(family.Series);

        family.Clear();
        family.Record(5, Tags(("pod", pod)));

        MetricSeries after = Assert.Single(family.Series);
        Assert.NotSame(before, after);
        Assert.Equal(5, after.Value);
    }

    [Fact]
    public async Task ManyThreadsOnFewLabelSets_LoseNoMeasurement()
    {
        var family = new MetricFamily("events_total", "help", MetricKind.Counter, null);
        string[] pods = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        const int PerThread = 20_000;
        Task[] writers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int n = 0; n < PerThread; n++)
            {
                family.Record(1, Tags(("pod", pods[(n + t) % pods.Length])));
            }
        })).ToArray();
        await Task.WhenAll(writers);

        Assert.Equal(pods.Length, family.Series.Count);
        Assert.Equal(4.0 * PerThread, family.Series.Sum(s => s.Value));
    }

    private static KeyValuePair<string, object?>[] Tags(params (string Name, string Value)[] tags) =>
        tags.Select(t => new KeyValuePair<string, object?>(t.Name, t.Value)).ToArray();
}
