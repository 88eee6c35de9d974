using System.Globalization;
using FastRouter.Tests.Engines;

namespace FastRouter.Tests.Aot;

/// <summary>The native binary takes the engine-stats flags and shows what it scraped in /engines and /metrics.</summary>
[Collection(AotCollection.Name)]
public sealed class AotEngineStatsTests(AotBinaryFixture fixture)
{
    [Fact]
    public async Task ScrapedFigures_ShowInEngines_AndMetrics()
    {
        await using FakeMetricsPod prefill = await FakeMetricsPod.StartAsync();
        await using FakeMetricsPod decode = await FakeMetricsPod.StartAsync();
        prefill.Answer = FakeMetricsPod.Text("vllm:num_requests_waiting{model_name=\"m\"} 9\nvllm:gpu_cache_usage_perc{model_name=\"m\"} 0.5\n");
        decode.Answer = FakeMetricsPod.Text("vllm:num_requests_running{engine=\"0\"} 2\nvllm:num_requests_running{engine=\"1\"} 3\nvllm:prefix_cache_queries_total 40\nvllm:prefix_cache_hits_total 10\n");
        int port = Support.FreePort.Get();
        using NativeProcess router = NativeProcess.Start(
            fixture.BinaryPath,
            "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--static-backends", prefill.Address + "," + decode.Address,
            "--static-models", "m,m", "--static-model-labels", "prefill,decode",
            "--prefill-model-labels", "prefill", "--decode-model-labels", "decode",
            "--active-health-checks", "off", "--engine-stats-interval", "0.5", "--request-stats-window", "30");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        await router.WaitUntilServingAsync(client, "/health");

        string engines = "";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!(engines.Contains("\"num_requests_waiting\":9", StringComparison.Ordinal) && engines.Contains("\"num_requests_running\":5", StringComparison.Ordinal)))
        {
            await Task.Delay(100, timeout.Token);
            engines = await client.GetStringAsync("/engines", timeout.Token);
        }

        Assert.Contains("\"kv_cache_usage_perc\":0.5", engines, StringComparison.Ordinal);
        Assert.Contains("\"prefix_cache_hit_rate\":0.25", engines, StringComparison.Ordinal);
        string metrics = await client.GetStringAsync("/metrics", timeout.Token);
        Assert.Contains("vllm:gpu_prefix_cache_hit_rate{server=\"" + decode.Address.GetLeftPart(UriPartial.Authority) + "\"} 0.25", metrics, StringComparison.Ordinal);
        Assert.Contains("fastrouter_engine_scrapes_total{result=\"ok\"}", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("--engine-stats-interval", router.Output, StringComparison.Ordinal);
    }
}
