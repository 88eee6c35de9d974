using System.Text;
using FastRouter.Engines;

namespace FastRouter.Tests.Engines;

/// <summary>The scraper's parser reads vLLM's old and new names, sums engines, and rejects what is not Prometheus text.</summary>
public sealed class PrometheusTextParserTests
{
    [Fact]
    public void NewNames_OfSeveralEnginesAndModels_AreSummed_AndRatiosAveraged()
    {
        EngineFigures figures = Parse("""
            # HELP vllm:num_requests_running Number of requests in model execution batches.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{engine="0",model_name="a"} 3.0
            vllm:num_requests_running{engine="1",model_name="b"} 2.0
            vllm:num_requests_waiting{engine="0",model_name="a"} 7.0
            vllm:num_requests_waiting{engine="1",model_name="b"} 1.0
            vllm:kv_cache_usage_perc{engine="0",model_name="a"} 0.5
            vllm:kv_cache_usage_perc{engine="1",model_name="b"} 0.25
            # TYPE vllm:prefix_cache_queries counter
            vllm:prefix_cache_queries_total{engine="0",model_name="a"} 1000.0
            vllm:prefix_cache_queries_created{engine="0",model_name="a"} 1.7e9
            vllm:prefix_cache_hits_total{engine="0",model_name="a"} 250.0
            vllm:prompt_tokens_total{engine="0",model_name="a"} 4096.0
            vllm:generation_tokens_total{engine="0",model_name="a"} 512.0
            vllm:other_metric{le="+Inf"} 12
            """)!;

        Assert.Equal(5, figures.Sum(EngineSeries.Running));
        Assert.Equal(8, figures.Sum(EngineSeries.Waiting));
        Assert.Equal(0.375, figures.Mean(EngineSeries.KvCacheUsage));
        Assert.Equal(1000, figures.Sum(EngineSeries.PrefixCacheQueries));
        Assert.Equal(250, figures.Sum(EngineSeries.PrefixCacheHits));
        Assert.Equal(4096, figures.Sum(EngineSeries.PromptTokens));
        Assert.Equal(512, figures.Sum(EngineSeries.GenerationTokens));
    }

    [Fact]
    public void OldNames_AreRead_AndCountersWithoutTotal_Too()
    {
        EngineSnapshot snapshot = EngineSnapshotFactory.From(Parse("""
            vllm:num_requests_running{model_name="m"} 4
            vllm:num_requests_waiting{model_name="m"} 9
            vllm:gpu_cache_usage_perc{model_name="m"} 0.75
            vllm:gpu_prefix_cache_hit_rate{model_name="m"} 0.4
            vllm:prompt_tokens{model_name="m"} 10 1700000000000
            """)!, previous: null, receivedAt: 5, routerInFlight: 2, routerPromptTokens: 0, timestampFrequency: 1, smoothing: TimeSpan.Zero);

        Assert.Equal(4, snapshot.Running);
        Assert.Equal(9, snapshot.Waiting);
        Assert.Equal(0.75, snapshot.KvCacheUsage);
        Assert.Equal(0.4, snapshot.PrefixCacheHitRate);
        Assert.Equal(10, snapshot.PromptTokens);
        Assert.True(double.IsNaN(snapshot.GenerationTokens));
        Assert.Equal(2, snapshot.RouterInFlightAtScrape);
    }

    [Fact]
    public void BothOldAndNewNames_CountTheEngineOnce()
    {
        EngineSnapshot snapshot = EngineSnapshotFactory.From(Parse("""
            vllm:kv_cache_usage_perc{engine="0"} 0.2
            vllm:gpu_cache_usage_perc{engine="0"} 0.2
            vllm:prefix_cache_queries_total{engine="0"} 100
            vllm:gpu_prefix_cache_queries_total{engine="0"} 100
            vllm:prefix_cache_hits_total{engine="0"} 30
            vllm:gpu_prefix_cache_hits_total{engine="0"} 30
            """)!, previous: null, receivedAt: 0, routerInFlight: 0, routerPromptTokens: 0, timestampFrequency: 1, smoothing: TimeSpan.Zero);

        Assert.Equal(0.2, snapshot.KvCacheUsage);
        Assert.Equal(100, snapshot.PrefixCacheQueries);
        Assert.Equal(0.3, snapshot.PrefixCacheHitRate, 9);
    }

    [Fact]
    public void HitRate_IsTheCountersChangeSinceThePreviousScrape()
    {
        EngineSnapshot first = EngineSnapshotFactory.From(Parse("vllm:prefix_cache_queries_total 1000\nvllm:prefix_cache_hits_total 900\n")!, null, 0, 0, 0, 1, TimeSpan.Zero);
        EngineSnapshot second = EngineSnapshotFactory.From(Parse("vllm:prefix_cache_queries_total 1100\nvllm:prefix_cache_hits_total 910\n")!, first, 1, 0, 0, 1, TimeSpan.Zero);
        EngineSnapshot idle = EngineSnapshotFactory.From(Parse("vllm:prefix_cache_queries_total 1100\nvllm:prefix_cache_hits_total 910\n")!, second, 2, 0, 0, 1, TimeSpan.Zero);
        EngineSnapshot restarted = EngineSnapshotFactory.From(Parse("vllm:prefix_cache_queries_total 10\nvllm:prefix_cache_hits_total 5\n")!, idle, 3, 0, 0, 1, TimeSpan.Zero);

        Assert.Equal(0.9, first.PrefixCacheHitRate, 9);
        Assert.Equal(0.1, second.PrefixCacheHitRate, 9);
        Assert.Equal(0.1, idle.PrefixCacheHitRate, 9);
        Assert.Equal(0.5, restarted.PrefixCacheHitRate, 9);
    }

    [Fact]
    public void PromptTokensPerSecond_IsThePromptTokensGained_OverTheTimeBetweenScrapes_Smoothed()
    {
        static EngineFigures Counters(int promptTokens, int unused) =>
            Parse($"vllm:prompt_tokens_total{{engine=\"0\"}} {promptTokens}\nvllm:generation_tokens_total {unused}\n")!;
        TimeSpan smoothing = TimeSpan.FromSeconds(3);

        // Timestamps in seconds (frequency 1).
        EngineSnapshot first = EngineSnapshotFactory.From(Counters(1000, 7), null, 0, 0, 0, 1, smoothing);
        EngineSnapshot second = EngineSnapshotFactory.From(Counters(2000, 7), first, 2, 0, 0, 1, smoothing);
        EngineSnapshot third = EngineSnapshotFactory.From(Counters(2000, 7), second, 5, 0, 0, 1, smoothing);
        EngineSnapshot restarted = EngineSnapshotFactory.From(Counters(10, 7), third, 6, 0, 0, 1, smoothing);

        Assert.True(double.IsNaN(first.PromptTokensPerSecond));
        Assert.Equal((2000 - 1000) / 2.0, second.PromptTokensPerSecond, 9);

        // Idle for 3 s, one smoothing constant: the rate falls by 1 − 1/e of the way to 0, not all of it.
        Assert.Equal(500 * Math.Exp(-1), third.PromptTokensPerSecond, 9);
        Assert.Equal(third.PromptTokensPerSecond, restarted.PromptTokensPerSecond, 9);
    }

    [Fact]
    public void LabelValues_MayHoldBracesQuotesAndSpaces()
    {
        EngineFigures figures = Parse("vllm:num_requests_waiting{model_name=\"a} \\\"b\\\" {c\",engine=\"0\"} 6\r\n")!;

        Assert.Equal(6, figures.Sum(EngineSeries.Waiting));
    }

    [Theory]
    [InlineData("vllm:num_requests_waiting 3\n<html>502 Bad Gateway</html>\n")]
    [InlineData("vllm:num_requests_waiting{model_name=\"m\" 3\n")]
    [InlineData("vllm:num_requests_waiting{model_name=\"m} 3\n")]
    [InlineData("vllm:num_requests_waiting three\n")]
    [InlineData("vllm:num_requests_waiting\n")]
    [InlineData("vllm:num_requests_waiting 3 soon\n")]
    [InlineData("\u0000\u00ff\u0001garbage")]
    public void AnythingNotPrometheusText_RejectsTheWholeAnswer(string text) => Assert.Null(Parse(text));

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(19);
        byte[] bytes = new byte[64 * 1024];
        for (int round = 0; round < 50; round++)
        {
            random.NextBytes(bytes);
            _ = PrometheusTextParser.Parse(bytes);
        }
    }

    [Fact]
    public void NonFiniteValues_AreNotSummed()
    {
        EngineFigures figures = Parse("vllm:num_requests_waiting{engine=\"0\"} NaN\nvllm:num_requests_waiting{engine=\"1\"} 2\nvllm:num_requests_running +Inf\n")!;

        Assert.Equal(2, figures.Sum(EngineSeries.Waiting));
        Assert.True(double.IsNaN(figures.Sum(EngineSeries.Running)));
    }

    private static EngineFigures? Parse(string text) => PrometheusTextParser.Parse(Encoding.UTF8.GetBytes(text));
}
