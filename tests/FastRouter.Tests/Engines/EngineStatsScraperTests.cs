using System.Globalization;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Engines;
using FastRouter.Telemetry;
using FastRouter.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Tests.Engines;

/// <summary>
/// The scraper against a real Kestrel pod on loopback: good answers become the pod's snapshot; garbage, huge, slow,
/// failing and refused ones leave the previous snapshot as it was and the loop going.
/// </summary>
public sealed class EngineStatsScraperTests : IAsyncLifetime
{
    private const string Queue = """
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{engine="0",model_name="m"} 12.0
        vllm:num_requests_running{engine="0",model_name="m"} 4.0
        vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.5

        """;

    private FakeMetricsPod _pod = null!;
    private StaticDiscovery _discovery = null!;
    private RouterMetrics _metrics = null!;
    private EngineStatsScraper _scraper = null!;
    private RouterOptions _options = null!;

    public async Task InitializeAsync()
    {
        _pod = await FakeMetricsPod.StartAsync();
        _options = OptionsFor(_pod.Address, new Uri("http://127.0.0.1:" + FreePort.Get().ToString(CultureInfo.InvariantCulture)));
        _discovery = new StaticDiscovery(_options);
        _metrics = new RouterMetrics(_discovery, _options);
        _scraper = new EngineStatsScraper(_options, _discovery, _metrics, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        _scraper.Dispose();
        _metrics.Dispose();
        await _discovery.DisposeAsync();
        await _pod.DisposeAsync();
    }

    private Backend Pod => _discovery.Current.Backends[0];

    private Backend Refused => _discovery.Current.Backends[1];

    [Fact]
    public async Task AGoodAnswer_BecomesThePodsSnapshot_WithTheBackendKey()
    {
        _pod.Answer = FakeMetricsPod.Text(Queue);

        Assert.Equal(EngineScrapeResult.Ok, await _scraper.ScrapeAsync(Pod, CancellationToken.None));

        EngineSnapshot snapshot = Assert.IsType<EngineSnapshot>(Pod.Engine);
        Assert.Equal(12, snapshot.Waiting);
        Assert.Equal(4, snapshot.Running);
        Assert.Equal(0.5, snapshot.KvCacheUsage);
        Assert.Equal("Bearer backend-key", _pod.LastAuthorization);
    }

    [Theory]
    [InlineData("garbage", "Malformed")]
    [InlineData("status500", "Failed")]
    [InlineData("huge", "TooLarge")]
    [InlineData("hugeChunked", "TooLarge")]
    [InlineData("slow", "Timeout")]
    [InlineData("reset", "Failed")]
    public async Task AHostileAnswer_LeavesThePreviousSnapshot_AndTheNextGoodOneIsRead(string kind, string result)
    {
        EngineScrapeResult expected = Enum.Parse<EngineScrapeResult>(result);
        _pod.Answer = FakeMetricsPod.Text(Queue);
        await _scraper.ScrapeAsync(Pod, CancellationToken.None);
        EngineSnapshot before = Pod.Engine!;

        _pod.Answer = kind switch
        {
            "garbage" => async context =>
            {
                await context.Response.WriteAsync("vllm:num_requests_waiting{engine=\"0\"} 0\n");
                await context.Response.Body.WriteAsync(new byte[] { 0xff, 0x00, 0x7b, 0x22, 0x0a, 0x01 });
            },
            "status500" => context =>
            {
                context.Response.StatusCode = 500;
                return context.Response.WriteAsync("vllm:num_requests_waiting 0\n");
            },
            "huge" => context => WriteHugeAsync(context, declareLength: true),
            "hugeChunked" => context => WriteHugeAsync(context, declareLength: false),
            "slow" => async context =>
            {
                await context.Response.WriteAsync("vllm:num_requests_waiting 0\n");
                await context.Response.Body.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            },
            "reset" => context =>
            {
                context.Abort();
                return Task.CompletedTask;
            },
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        long started = Environment.TickCount64;
        Assert.Equal(expected, await _scraper.ScrapeAsync(Pod, CancellationToken.None));
        Assert.True(Environment.TickCount64 - started < 10_000, "a scrape must end by its timeout");
        Assert.Same(before, Pod.Engine);

        _pod.Answer = FakeMetricsPod.Text(Queue.Replace("12.0", "3.0", StringComparison.Ordinal));
        Assert.Equal(EngineScrapeResult.Ok, await _scraper.ScrapeAsync(Pod, CancellationToken.None));
        Assert.Equal(3, Pod.Engine!.Waiting);
    }

    [Fact]
    public async Task ARefusedPort_IsAFailedScrape_AndLeavesNoSnapshot()
    {
        Assert.Equal(EngineScrapeResult.Failed, await _scraper.ScrapeAsync(Refused, CancellationToken.None));
        Assert.Null(Refused.Engine);
    }

    [Fact]
    public async Task EveryRound_SamplesThisRoutersOwnRate_EvenOfAPodWhoseScrapeFails()
    {
        await _scraper.ScrapeAllAsync(CancellationToken.None);
        Assert.True(double.IsNaN(Refused.OwnPromptRate.PerSecond));

        Refused.CountPromptTokensSent(3000);
        await Task.Delay(50);
        await _scraper.ScrapeAllAsync(CancellationToken.None);

        Assert.Null(Refused.Engine);
        Assert.True(Refused.OwnPromptRate.PerSecond > 0, "no rate from the router's own sends");
    }

    [Fact]
    public async Task TheLoop_PublishesALongQueueWithinOneInterval_AndKeepsGoingPastFailures()
    {
        _pod.Answer = context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        await _scraper.StartAsync(CancellationToken.None);
        await WaitForAsync(() => _pod.Scrapes >= 2);
        Assert.Null(Pod.Engine);

        // The engine's queue grows: the next scrape (one interval, 1 s here) shows it.
        _pod.Answer = FakeMetricsPod.Text(Queue);
        await WaitForAsync(() => Pod.Engine is { Waiting: 12 });

        // The pod stops answering well: the figures stay, only their age grows.
        _pod.Answer = async context => await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        EngineSnapshot last = Pod.Engine!;
        int scrapes = _pod.Scrapes;
        await WaitForAsync(() => _pod.Scrapes >= scrapes + 3);
        Assert.Same(last, Pod.Engine);
        Assert.True(TimeProvider.System.GetElapsedTime(last.ReceivedAt) >= _options.EngineStatsInterval);
        await _scraper.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Engines_ShowsTheScrapedFigures_AndMetricsCountTheResults()
    {
        // The collector sees what is recorded after it starts listening.
        using var endpoint = new MetricsEndpoint(_metrics);
        _pod.Answer = FakeMetricsPod.Text(Queue + "vllm:prefix_cache_queries_total 200\nvllm:prefix_cache_hits_total 50\n");
        await _scraper.ScrapeAllAsync(CancellationToken.None);

        string engines = System.Text.Encoding.UTF8.GetString(new EnginesEndpoint(_metrics).Render());
        Assert.Contains("\"num_requests_waiting\":12", engines, StringComparison.Ordinal);
        Assert.Contains("\"prefix_cache_hit_rate\":0.25", engines, StringComparison.Ordinal);
        Assert.Contains("\"engine\":null", engines, StringComparison.Ordinal);

        FastRouter.Tests.Telemetry.PrometheusText metrics = FastRouter.Tests.Telemetry.PrometheusText.Parse(endpoint.Render());
        Assert.Equal(1, metrics.Single("fastrouter_engine_scrapes_total", ("result", "ok")));
        Assert.Equal(1, metrics.Single("fastrouter_engine_scrapes_total", ("result", "failed")));
        Assert.Equal(0.25, metrics.Single("vllm:gpu_prefix_cache_hit_rate", ("server", Pod.Name)));
        Assert.Equal(200, metrics.Single("vllm:gpu_prefix_cache_queries_total", ("server", Pod.Name)));
        Assert.InRange(metrics.Single("fastrouter_engine_stats_age_seconds", ("server", Pod.Name)), 0, 30);
    }

    [Fact]
    public async Task Engines_ShowsThePrefillWorkRates_OfTheEngineAndOfThisRouter()
    {
        _pod.Answer = FakeMetricsPod.Text(Queue + "vllm:prompt_tokens_total 1000\n");
        await _scraper.ScrapeAllAsync(CancellationToken.None);
        Assert.Contains("\"prompt_tokens_per_second\":null", System.Text.Encoding.UTF8.GetString(new EnginesEndpoint(_metrics).Render()), StringComparison.Ordinal);

        _pod.Answer = FakeMetricsPod.Text(Queue + "vllm:prompt_tokens_total 3000\n");
        Pod.CountPromptTokensSent(500);
        await Task.Delay(50);
        await _scraper.ScrapeAllAsync(CancellationToken.None);

        using System.Text.Json.JsonDocument engines = System.Text.Json.JsonDocument.Parse(new EnginesEndpoint(_metrics).Render());
        System.Text.Json.JsonElement pod = engines.RootElement[0];
        Assert.Equal(Pod.Name, pod.GetProperty("url").GetString());
        Assert.True(pod.GetProperty("engine").GetProperty("prompt_tokens_per_second").GetDouble() > 0);
        Assert.True(pod.GetProperty("router_prompt_tokens_per_second").GetDouble() > 0);
    }

    private static RouterOptions OptionsFor(Uri pod, Uri refused) => new()
    {
        StaticBackends =
        [
            new StaticBackendOptions(pod, "m", "decode"),
            new StaticBackendOptions(refused, "m", "prefill"),
        ],
        PrefillModelLabels = ["prefill"],
        DecodeModelLabels = ["decode"],
        BackendApiKey = "backend-key",
        EngineStatsInterval = TimeSpan.FromSeconds(1),
        EngineStatsMaxBytes = 1024 * 1024,
    };

    /// <summary>50 MiB of well-formed lines, far past the 1 MiB limit: the scraper must stop reading at the limit.</summary>
    private static async Task WriteHugeAsync(HttpContext context, bool declareLength)
    {
        byte[] line = System.Text.Encoding.ASCII.GetBytes("vllm:other_metric{engine=\"0\"} 1.0\n");
        int lines = 50 * 1024 * 1024 / line.Length;
        if (declareLength)
        {
            context.Response.ContentLength = (long)lines * line.Length;
        }

        try
        {
            for (int i = 0; i < lines; i++)
            {
                await context.Response.Body.WriteAsync(line, context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The scraper hung up at its limit, as it should.
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
