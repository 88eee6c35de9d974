using System.Text;
using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using FastRouter.Tests.Telemetry;

namespace FastRouter.Tests.Balancing;

/// <summary>
/// The engines' own figures steer picking, end to end: simulator pods with the engine model, the router scraping
/// their <c>/metrics</c>, and a pod whose engine queues work it got from elsewhere (another router replica, say).
/// </summary>
public sealed class EngineLoadRoutingTests
{
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task A_pod_whose_engine_reports_a_long_queue_stops_getting_work_within_one_scrape()
    {
        // Slow prefill engines (100 tokens/s, small batches), so work sent to one stays queued for seconds.
        SimulatorOptions SlowPrefill() => new() { Role = SimulatorRole.Prefill, CacheBlocks = 1024, PrefillTokensPerSecond = 100, MaxBatchTokens = 64 };
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [SlowPrefill(), SlowPrefill()],
            [new SimulatorOptions { Role = SimulatorRole.Decode }],
            o => o with { EngineStatsScraping = true, EngineStatsInterval = ScrapeInterval });
        const string Conversation = "{\"role\":\"system\",\"content\":\"Answer in one word.\"},{\"role\":\"user\",\"content\":\"Name a colour.\"}";

        // The conversation's key ranks one prefill pod first: the router sends it there while the pods are idle.
        await SendAsync(harness, Conversation, "first");
        VllmSimulator preferred = PrefillThatSaw(harness, "first");
        VllmSimulator other = harness.Prefill[0] == preferred ? harness.Prefill[1] : harness.Prefill[0];

        // Work from elsewhere piles up in the preferred pod's engine: 12 prompts of 64 tokens, 0.64 s each.
        using var elsewhere = new HttpClient { BaseAddress = preferred.BaseAddress };
        using var stopFlood = new CancellationTokenSource();
        var flood = new List<Task>();
        for (int i = 0; i < 12; i++)
        {
            string body = "{\"model\":\"" + RequestBodies.Model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string((char)('a' + i), 240) + "\"}],\"max_tokens\":1}";
            flood.Add(elsewhere.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), stopFlood.Token));
        }

        // Within one scrape the router's view of that pod shows the queue.
        Assert.True(await Eventually.TrueAsync(async () => await EngineWaitingAsync(harness, preferred) >= 5), "the router never saw the pod's queue");

        // The same conversation now goes to the other pod: the load bound spills it.
        await SendAsync(harness, Conversation, "second");
        Assert.Same(other, PrefillThatSaw(harness, "second"));
        PrometheusText metrics = PrometheusText.Parse(await harness.ScrapeAsync());
        Assert.Equal(1, metrics.Single("fastrouter_pod_picks_total", ("role", "prefill"), ("reason", "spilled")));

        await stopFlood.CancelAsync();
        await Task.WhenAll(flood.Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default)));
    }

    private static async Task SendAsync(RouterTestHarness harness, string conversation, string marker)
    {
        // The marker is outside what the affinity key covers (system prompt and first user turn): same key both times.
        string body = "{\"model\":\"" + RequestBodies.Model + "\",\"messages\":[" + conversation + "],\"max_tokens\":2,\"user\":\"" + marker + "\"}";
        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await response.Content.ReadAsStringAsync();
    }

    private static VllmSimulator PrefillThatSaw(RouterTestHarness harness, string marker) =>
        Assert.Single(harness.Prefill, pod => pod.ReceivedRequests.Any(r => Encoding.UTF8.GetString(r.Body).Contains("\"" + marker + "\"", StringComparison.Ordinal)));

    private static async Task<double> EngineWaitingAsync(RouterTestHarness harness, VllmSimulator pod)
    {
        using JsonDocument engines = JsonDocument.Parse(await harness.Client.GetStringAsync("/engines"));
        foreach (JsonElement engine in engines.RootElement.EnumerateArray())
        {
            if (engine.GetProperty("url").GetString() == RouterTestHarness.PodName(pod)
                && engine.TryGetProperty("engine", out JsonElement figures) && figures.ValueKind == JsonValueKind.Object)
            {
                return figures.GetProperty("num_requests_waiting").GetDouble() + figures.GetProperty("num_requests_running").GetDouble();
            }
        }

        return 0;
    }
}
