using System.Text;
using FastRouter.FlowControl;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FastRouter.Tests.FlowControl;

/// <summary>
/// A prefill pod freed by the end of a prefill leg takes the next waiting request at once, not when the whole
/// request (its decode stream) ends. The router runs on a manual clock, so the queue's periodic pump never fires:
/// only the events the router announces can dispatch.
/// </summary>
public sealed class PrefillLegDispatchTests
{
    [Fact]
    public async Task A_request_waiting_for_the_prefill_pod_goes_on_when_the_prefill_leg_ends_while_the_decode_still_streams()
    {
        // One prefill pod at 100 tokens/s (a 400-byte prompt = 1 s), two decode pods streaming a token every 20 ms.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [new SimulatorOptions { Role = SimulatorRole.Prefill, CacheBlocks = 1024, PrefillTokensPerSecond = 100 }],
            [new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(20) },
             new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(20) }],
            o => o with { FlowControl = true, SaturationInFlight = 1 },
            time: new ManualTimeProvider());
        FlowQueue queue = harness.Services.GetRequiredService<FlowController>().QueueFor(RequestBodies.Model).Queue;

        // B is answered once A's prefill is done (about 1 s), long before A's stream ends (about 21 s).
        (Task<HttpResponseMessage> first, Task<HttpResponseMessage> second) = await LongStreamThenQueuedAsync(harness, queue);
        Task done = await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(done == second, "B waited for A's whole request, not for its prefill leg");
        using HttpResponseMessage answer = await second;
        Assert.Equal(200, (int)answer.StatusCode);
        Assert.Contains(harness.Prefill[0].ReceivedRequests, r => Encoding.UTF8.GetString(r.Body).Contains("second", StringComparison.Ordinal));

        using HttpResponseMessage stream = await first;
        Assert.Equal(200, (int)stream.StatusCode);
    }

    [Fact]
    public async Task The_prefill_in_flight_limit_holds_the_prefill_pod_and_never_the_decode_pod_its_streams_run_on()
    {
        // One prefill pod at 100 tokens/s and ONE decode pod: --saturation-in-flight 1 would hold B until A's stream
        // ended; --saturation-prefill-in-flight 1 holds it only for A's prefill.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [new SimulatorOptions { Role = SimulatorRole.Prefill, CacheBlocks = 1024, PrefillTokensPerSecond = 100 }],
            [new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(20) }],
            o => o with { FlowControl = true, SaturationPrefillInFlight = 1 },
            time: new ManualTimeProvider());
        FlowController flow = harness.Services.GetRequiredService<FlowController>();
        FlowQueue queue = flow.QueueFor(RequestBodies.Model).Queue;

        (Task<HttpResponseMessage> first, Task<HttpResponseMessage> second) = await LongStreamThenQueuedAsync(harness, queue);
        Task done = await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(done == second, "the decode pod streaming A held B: the prefill limit counted decode streams");
        using HttpResponseMessage answer = await second;
        Assert.Equal(200, (int)answer.StatusCode);
        Assert.Contains(harness.Decode[0].ReceivedRequests, r => Encoding.UTF8.GetString(r.Body).Contains("second", StringComparison.Ordinal));
        Assert.False(flow.IsSaturated(harness.Services.GetRequiredService<FastRouter.Discovery.IBackendDiscovery>().Current.AnyModel.Decode[0]));

        using HttpResponseMessage stream = await first;
        Assert.Equal(200, (int)stream.StatusCode);
    }

    /// <summary>
    /// A: a 1 s prefill (400 bytes at 100 tokens/s), then 1,000 tokens, 20 s of decode; once A holds the prefill pod,
    /// B (short), which must wait in the router's queue.
    /// </summary>
    private static async Task<(Task<HttpResponseMessage> First, Task<HttpResponseMessage> Second)> LongStreamThenQueuedAsync(RouterTestHarness harness, FlowQueue queue)
    {
        Task<HttpResponseMessage> first = SendAsync(harness, QueueableRequest.Completion(new string('a', 400), stream: true, maxTokens: 1000));
        Assert.True(await Eventually.TrueAsync(() => harness.Prefill[0].ReceivedRequests.Count(r => r.Path == "/v1/completions") == 1), "A never reached the prefill pod");
        Task<HttpResponseMessage> second = SendAsync(harness, QueueableRequest.Completion("second"));
        Assert.True(await Eventually.TrueAsync(() => queue.Count == 1), "B did not wait for the prefill pod");
        return (first, second);
    }

    private static Task<HttpResponseMessage> SendAsync(RouterTestHarness harness, HttpRequestMessage request) =>
        harness.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
}
