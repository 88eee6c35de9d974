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
        await using RouterTestHarness harness = await StartAsync();
        FlowQueue queue = harness.Services.GetRequiredService<FlowController>().QueueFor(RequestBodies.Model).Queue;

        (List<Task<HttpResponseMessage>> flood, List<HttpClient> clients) = Flood(harness);

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

    [Fact]
    public async Task With_decode_only_without_prefill_saturated_prefill_engines_hold_nothing_in_the_queue()
    {
        await using RouterTestHarness harness = await StartAsync(o => o with { DecodeOnlyWithoutPrefill = true });
        FlowQueue queue = harness.Services.GetRequiredService<FlowController>().QueueFor(RequestBodies.Model).Queue;
        (List<Task<HttpResponseMessage>> flood, List<HttpClient> clients) = Flood(harness);
        FlowController flow = harness.Services.GetRequiredService<FlowController>();
        Assert.True(await Eventually.TrueAsync(() => harness.Services.GetRequiredService<IBackendDiscovery>().Current.AnyModel.Prefill.All(flow.IsSaturated)), "the router never saw every prefill engine saturated");

        using HttpResponseMessage answer = await harness.PostAsync("/v1/chat/completions", RequestBodies.Chat(2, content: "served by decode alone"));

        Assert.Equal(200, (int)answer.StatusCode);
        Assert.Equal(0, queue.Statistics(1).Enqueued);
        Assert.DoesNotContain(harness.Prefill, pod => pod.ReceivedRequests.Any(r => Encoding.UTF8.GetString(r.Body).Contains("decode alone", StringComparison.Ordinal)));
        Assert.Contains(harness.Decode[0].ReceivedRequests, r => Encoding.UTF8.GetString(r.Body).Contains("decode alone", StringComparison.Ordinal));
        foreach (HttpResponseMessage done in await Task.WhenAll(flood))
        {
            done.Dispose();
        }

        clients.ForEach(c => c.Dispose());
    }

    // Slow engines (200 tokens/s, one 64-token request per batch), so queued work lasts for seconds.
    private static Task<RouterTestHarness> StartAsync(Func<FastRouter.Configuration.RouterOptions, FastRouter.Configuration.RouterOptions>? more = null)
    {
        SimulatorOptions SlowPrefill() => new() { Role = SimulatorRole.Prefill, CacheBlocks = 1024, PrefillTokensPerSecond = 200, MaxBatchTokens = 64 };
        return RouterTestHarness.StartAsync(
            [SlowPrefill(), SlowPrefill()],
            [new SimulatorOptions { Role = SimulatorRole.Decode }],
            o => (more ?? (x => x))(o with { EngineStatsScraping = true, EngineStatsInterval = TimeSpan.FromMilliseconds(200), SaturationWaiting = 3 }));
    }

    /// <summary>Work from elsewhere: six prompts of 60 tokens on each prefill pod, 0.3 s each, five queued behind one.</summary>
    private static (List<Task<HttpResponseMessage>> Flood, List<HttpClient> Clients) Flood(RouterTestHarness harness)
    {
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

        return (flood, clients);
    }
}
