using System.Text;
using FastRouter.Discovery;
using FastRouter.FlowControl;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FastRouter.Tests.FlowControl;

/// <summary>
/// The router's queue driven by what the engines themselves report: simulated prefill pods with the engine model,
/// the router scraping their <c>/metrics</c>, and work from elsewhere (another replica, say) filling their queues.
/// </summary>
public sealed class EngineSaturationTests
{
    [Fact]
    public async Task While_every_prefill_engine_reports_a_long_queue_a_request_waits_in_the_router_and_runs_once_one_drains()
    {
        // Slow engines (200 tokens/s, one 64-token request per batch), so queued work lasts for seconds.
        SimulatorOptions SlowPrefill() => new() { Role = SimulatorRole.Prefill, CacheBlocks = 1024, PrefillTokensPerSecond = 200, MaxBatchTokens = 64 };
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [SlowPrefill(), SlowPrefill()],
            [new SimulatorOptions { Role = SimulatorRole.Decode }],
            o => o with { EngineStatsScraping = true, EngineStatsInterval = TimeSpan.FromMilliseconds(200), SaturationWaiting = 3 });
        FlowQueue queue = harness.Services.GetRequiredService<FlowController>().QueueFor(RequestBodies.Model).Queue;

        // Six prompts of 60 tokens on each pod, 0.3 s each: each engine queues five behind the one it runs.
        var flood = new List<Task<HttpResponseMessage>>();
        var clients = new List<HttpClient>();
        foreach (VllmSimulator pod in harness.Prefill)
        {
            var client = new HttpClient { BaseAddress = pod.BaseAddress };
            clients.Add(client);
            for (int i = 0; i < 6; i++)
            {
                string body = "{\"model\":\"" + RequestBodies.Model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string((char)('a' + i), 220) + "\"}],\"max_tokens\":1}";
                flood.Add(client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json")));
            }
        }

        Assert.True(await Eventually.TrueAsync(() => harness.Prefill.All(p => p.WaitingRequests >= 3)), "the engines never queued the flood");
        FlowController flow = harness.Services.GetRequiredService<FlowController>();
        Assert.True(await Eventually.TrueAsync(() => harness.Services.GetRequiredService<IBackendDiscovery>().Current.AnyModel.Prefill.All(flow.IsSaturated)), "the router never saw every prefill engine saturated");

        Task<HttpResponseMessage> waiting = harness.PostAsync("/v1/chat/completions", RequestBodies.Chat(2, content: "queued until an engine drains"));
        Assert.True(await Eventually.TrueAsync(() => queue.Count == 1), "the request did not wait in the router's queue");
        Assert.DoesNotContain(harness.Prefill, pod => pod.ReceivedRequests.Any(r => Encoding.UTF8.GetString(r.Body).Contains("queued until", StringComparison.Ordinal)));

        using HttpResponseMessage answer = await waiting;
        Assert.Equal(200, (int)answer.StatusCode);
        Assert.Equal(0, queue.Count);
        Assert.Equal(1, queue.Statistics(1).Dispatched);
        foreach (HttpResponseMessage done in await Task.WhenAll(flood))
        {
            done.Dispose();
        }

        clients.ForEach(c => c.Dispose());
    }
}
