using System.Text;
using System.Text.Json;
using FastRouter.LoadTests.Cli;
using FastRouter.LoadTests.Overload;

namespace FastRouter.Tests.LoadTests;

public sealed class OverloadScenarioTests
{
    private static OverloadOptions Options(double heavyFactor = 10, int seed = 5) => new()
    {
        Target = new Uri("http://127.0.0.1:1/"),
        Capacity = 10,
        Load = 2,
        HeavyFactor = heavyFactor,
        HighShare = 0.25,
        Duration = TimeSpan.FromSeconds(100),
        Seed = seed,
        Name = "t",
        OutputDirectory = "unused",
    };

    [Theory]
    // Heavy wants 10, light 1, 5 served: the light client wants less than half, so it gets all it wants.
    [InlineData(new[] { 10.0, 1.0 }, 5.0, new[] { 4.0, 1.0 })]
    // Both want more than half: an equal split.
    [InlineData(new[] { 10.0, 8.0 }, 6.0, new[] { 3.0, 3.0 })]
    // Enough for everyone: each gets its demand, the rest is not handed out.
    [InlineData(new[] { 3.0, 1.0 }, 10.0, new[] { 3.0, 1.0 })]
    // Water-filling over rounds: 1 is satisfied first, then 3 of the remaining 8 / 2, then the rest to the third.
    [InlineData(new[] { 1.0, 3.0, 10.0 }, 9.0, new[] { 1.0, 3.0, 5.0 })]
    // A client that sent nothing gets nothing; nothing served, nothing allocated.
    [InlineData(new[] { 0.0, 7.0 }, 4.0, new[] { 0.0, 4.0 })]
    [InlineData(new[] { 5.0, 2.0 }, 0.0, new[] { 0.0, 0.0 })]
    public void FairShare_IsMaxMinFair(double[] demands, double total, double[] expected)
    {
        double[] allocation = FairShare.Allocate(demands, total);

        Assert.Equal(expected.Length, allocation.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], allocation[i], 9);
        }
    }

    [Fact]
    public void FairShares_AreFractionsOfTheServedTotal()
    {
        double[] shares = FairShare.Shares([100, 10], 50);

        Assert.Equal(0.8, shares[0], 9);
        Assert.Equal(0.2, shares[1], 9);
        Assert.Equal([0.0, 0.0], FairShare.Shares([1, 1], 0));
    }

    [Fact]
    public void Schedule_SplitsTheLoadTenToOne_AQuarterHigh_TheSameForTheSameSeed()
    {
        IReadOnlyList<OverloadArrival> first = OverloadSchedule.Build(Options());
        IReadOnlyList<OverloadArrival> again = OverloadSchedule.Build(Options());
        IReadOnlyList<OverloadArrival> other = OverloadSchedule.Build(Options(seed: 6));

        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(a => a.OffsetSeconds), other.Select(a => a.OffsetSeconds));

        // 2 x 10/s over 100 s: about 2,000 arrivals, 1/11 of them light, in time order, indexed in that order.
        Assert.InRange(first.Count, 1850, 2150);
        int light = first.Count(a => a.Client == OverloadClient.Light);
        Assert.InRange(light / (double)first.Count, 0.07, 0.115);
        Assert.InRange(first.Count(a => a.Band == OverloadBand.High) / (double)first.Count, 0.21, 0.29);
        Assert.InRange(first.Count(a => a.Client == OverloadClient.Light && a.Band == OverloadBand.High) / (double)light, 0.15, 0.35);
        Assert.True(first.Zip(first.Skip(1)).All(p => p.First.OffsetSeconds <= p.Second.OffsetSeconds));
        Assert.Equal(Enumerable.Range(0, first.Count), first.Select(a => a.Index));
        Assert.All(first, a => Assert.InRange(a.OffsetSeconds, 0, 100));
    }

    [Fact]
    public void Schedule_AndPrompts_AreTheSameInEveryProcess()
    {
        // Recorded once: a seed must mean the same requests in the benchmark's next process (flow control on after
        // off), which a per-process hash seed (HashCode.Combine) would break.
        IReadOnlyList<OverloadArrival> schedule = OverloadSchedule.Build(Options());

        Assert.Equal(1970, schedule.Count);
        Assert.Equal("0.0017995644207570987/0/0", schedule[0].OffsetSeconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "/" + schedule[0].Client + "/" + schedule[0].Band);
        Assert.Equal("Request 0: juniper reef moraine cedar reef cedar granite kelp ba", OverloadPrompt.Build(5, 0, 64));
    }

    [Fact]
    public void Schedule_WithHeavyFactorZero_IsTheLightClientAloneAtTheWholeLoad()
    {
        IReadOnlyList<OverloadArrival> alone = OverloadSchedule.Build(Options(heavyFactor: 0) with { Load = 0.5 });

        Assert.All(alone, a => Assert.Equal(OverloadClient.Light, a.Client));
        Assert.InRange(alone.Count, 430, 570);
    }

    [Fact]
    public void Prompts_AreDistinctAsciiOfTheAskedLength()
    {
        string prompt = OverloadPrompt.Build(1, 41, 1600);

        Assert.Equal(1600, Encoding.UTF8.GetByteCount(prompt));
        Assert.Equal(prompt, OverloadPrompt.Build(1, 41, 1600));
        Assert.StartsWith("Request 41: ", prompt, StringComparison.Ordinal);
        // Distinct from the first bytes on, so not even the first cache block is shared.
        Assert.NotEqual(prompt[..64], OverloadPrompt.Build(1, 42, 1600)[..64]);
    }

    [Fact]
    public void CommandLine_ParsesTheScenariosFlags_AndRefusesWhatItCannotUse()
    {
        string[] args =
        [
            "--scenario", "overload", "--target", "http://r:1", "--pods", "http://p:2,http://p:3", "--capacity", "9.8", "--load", "2",
            "--heavy-factor", "10", "--high-share", "0.3", "--queue-timeout", "1.5", "--hang-timeout", "90s", "--duration", "20s",
        ];
        Assert.True(OverloadCommandLine.Applies(args));
        Assert.False(OverloadCommandLine.Applies(["--scenario", "conversations"]));
        OverloadOptions options = OverloadCommandLine.Parse(args, DateTimeOffset.UnixEpoch);

        Assert.Equal("http://r:1/", options.Target.AbsoluteUri);
        Assert.Equal(2, options.Pods.Count);
        Assert.Equal(19.6, options.OfferedRate, 9);
        Assert.Equal(19.6 / 11, options.LightRate, 9);
        Assert.Equal(19.6 * 10 / 11, options.HeavyRate, 9);
        Assert.Equal(0.3, options.HighShare);
        Assert.Equal(TimeSpan.FromSeconds(1.5), options.QueueTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), options.HangTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Duration);

        Assert.Throws<CommandLineException>(() => OverloadCommandLine.Parse(["--scenario", "overload", "--target", "http://r:1"], DateTimeOffset.UnixEpoch));
        Assert.Throws<CommandLineException>(() => OverloadCommandLine.Parse(["--scenario", "overload", "--target", "http://r:1,http://s:2", "--capacity", "5"], DateTimeOffset.UnixEpoch));
        Assert.Throws<CommandLineException>(() => OverloadCommandLine.Parse(["--scenario", "overload", "--target", "http://r:1", "--capacity", "5", "--rate", "3"], DateTimeOffset.UnixEpoch));
        Assert.Throws<CommandLineException>(() => OverloadCommandLine.Parse(["--scenario", "overload", "--target", "http://r:1", "--capacity", "5", "--high-share", "1.2"], DateTimeOffset.UnixEpoch));
        Assert.Throws<CommandLineException>(() => OverloadCommandLine.Parse(["--scenario", "overload", "--target", "http://r:1", "--capacity", "5", "--prompt-bytes", "10"], DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Report_CountsEachOutcome_SharesAgainstFairShares_AndPodsAgainstServed()
    {
        var statistics = new OverloadStatistics();
        statistics.Started(FastRouter.LoadTests.Http.MonotonicTime.Now);
        void Add(int client, int band, OverloadOutcomeKind kind, int count)
        {
            for (int i = 0; i < count; i++)
            {
                statistics.RecordSent(client, band);
                statistics.Record(client, band, new OverloadOutcome(kind, kind == OverloadOutcomeKind.Served ? 200_000 : 0, kind.ToString()));
            }
        }

        Add(OverloadClient.Heavy, OverloadBand.High, OverloadOutcomeKind.Served, 20);
        Add(OverloadClient.Heavy, OverloadBand.Low, OverloadOutcomeKind.Served, 60);
        Add(OverloadClient.Heavy, OverloadBand.Low, OverloadOutcomeKind.Unavailable, 15);
        Add(OverloadClient.Heavy, OverloadBand.Low, OverloadOutcomeKind.TooManyRequests, 5);
        Add(OverloadClient.Light, OverloadBand.High, OverloadOutcomeKind.Served, 3);
        Add(OverloadClient.Light, OverloadBand.Low, OverloadOutcomeKind.Served, 6);
        Add(OverloadClient.Light, OverloadBand.Low, OverloadOutcomeKind.Hanging, 1);
        var fleet = new FleetRequests(PrefillRequests: 90, DecodeRequests: 89, PodsRead: 4, PodsUnread: 0, RouterRetries: 0, FirstError: null);

        using var stream = new MemoryStream();
        OverloadReport.WriteJson(stream, Options(), statistics, fleet);
        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        JsonElement root = document.RootElement;
        JsonElement heavy = root.GetProperty("clients")[0];
        JsonElement light = root.GetProperty("clients")[1];

        Assert.Equal("heavy", heavy.GetProperty("client").GetString());
        Assert.Equal((100, 80, 5, 15), (heavy.GetProperty("sent").GetInt32(), heavy.GetProperty("served").GetInt32(), heavy.GetProperty("rejected_429").GetInt32(), heavy.GetProperty("rejected_503").GetInt32()));
        Assert.Equal((20, 20), (heavy.GetProperty("bands").GetProperty("high").GetProperty("sent").GetInt32(), heavy.GetProperty("bands").GetProperty("high").GetProperty("served").GetInt32()));
        Assert.Equal(1, light.GetProperty("bands").GetProperty("low").GetProperty("hanging").GetInt32());
        Assert.InRange(light.GetProperty("bands").GetProperty("high").GetProperty("ttft_p99_ms").GetDouble(), 199, 201);

        // 89 served, demands 100 and 10: the light client's fair share is all 10 it sent, 10/89; it got 9/89.
        Assert.Equal(9.0 / 89, light.GetProperty("dispatch_share").GetDouble(), 9);
        Assert.Equal(10.0 / 89, light.GetProperty("fair_share").GetDouble(), 9);
        Assert.Equal(79.0 / 89, heavy.GetProperty("fair_share").GetDouble(), 9);

        JsonElement totals = root.GetProperty("totals");
        Assert.Equal((110, 89, 109, 1), (totals.GetProperty("sent").GetInt32(), totals.GetProperty("served").GetInt32(), totals.GetProperty("answered").GetInt32(), totals.GetProperty("hanging").GetInt32()));
        Assert.Equal(1, root.GetProperty("pods").GetProperty("reached_pod_unserved").GetInt32());

        string text = OverloadReport.Render(Options(), statistics, fleet);
        Assert.Contains("light client: 10.1 % of dispatch, fair share 11.2 %", text, StringComparison.Ordinal);
        Assert.Contains("prefill requests 90, decode requests 89, served 89: 1 reached a prefill pod without being served", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Counter_SumsEveryLabelSet_AndIgnoresLongerNames()
    {
        const string metrics =
            "# TYPE fastrouter_retries_total counter\n" +
            "fastrouter_retries_total{role=\"prefill\",reason=\"connect\"} 2\n" +
            "fastrouter_retries_total{role=\"decode\",reason=\"status\"} 3\n" +
            "fastrouter_retries_total_created 99\n";

        Assert.Equal(5, FleetRequestsReader.SumCounter(metrics, "fastrouter_retries_total"));
        Assert.Equal(0, FleetRequestsReader.SumCounter("# nothing\n", "fastrouter_retries_total"));
    }
}
