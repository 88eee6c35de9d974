using System.Text;
using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Resilience;
using FastRouter.Tests.Support;
using FastRouter.Tests.Telemetry;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The native binary's queue: a decode pod saturated by --saturation-in-flight 1 while a long stream holds it, a
/// request that waits in the router (seen in /queue) and runs once the stream ends, one that expires into a 503 with
/// Retry-After without reaching any pod, the queue's log line on the console and its families in /metrics.
/// </summary>
[Collection(AotCollection.Name)]
public sealed class AotFlowControlTests(AotBinaryFixture fixture)
{
    [Fact]
    public async Task WhileThePodIsSaturated_ARequestWaits_AnotherExpiresInto503_AndNoPodSeesIt()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(20) });
        int port = FreePort.Get();
        using NativeProcess router = NativeProcess.Start(
            fixture.BinaryPath, NativeProcess.PodPairArguments(port, prefill.BaseAddress, decode.BaseAddress, "--saturation-in-flight", "1"));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        await router.WaitUntilServingAsync(client, "/health");

        // 400 tokens 20 ms apart: the stream holds the decode pod until the test lets go of it.
        using HttpResponseMessage blocker = await SendAsync(client, "blocker", stream: true, maxTokens: 400, requestId: "aot-blocker");
        Assert.Equal(200, (int)blocker.StatusCode);
        Assert.True(await Eventually.TrueAsync(() => Fleet.Calls(decode) == 1));

        Task<HttpResponseMessage> waiting = SendAsync(client, "waits", requestId: "aot-waits");
        Assert.True(await Eventually.TrueAsync(async () => await WaitingAsync(client) == 1), "the request never showed in /queue");

        using HttpResponseMessage expired = await SendAsync(client, "expires", queueTimeout: "0.2", requestId: "aot-expires");
        Assert.Equal(503, (int)expired.StatusCode);
        Assert.Equal("1", expired.Headers.GetValues("Retry-After").Single());
        using (JsonDocument error = JsonDocument.Parse(await expired.Content.ReadAsStringAsync()))
        {
            Assert.Contains("queue", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        blocker.Dispose();
        using HttpResponseMessage served = await waiting;
        Assert.Equal(200, (int)served.StatusCode);

        // Neither pod ever saw the expired request: the decode pod got the blocker and the waiting one only.
        Assert.Equal(2, Fleet.Calls(decode));
        Assert.DoesNotContain(prefill.ReceivedRequests, r => Encoding.UTF8.GetString(r.Body).Contains("expires", StringComparison.Ordinal));
        Assert.DoesNotContain(decode.ReceivedRequests, r => Encoding.UTF8.GetString(r.Body).Contains("expires", StringComparison.Ordinal));
        Assert.True(
            await Eventually.TrueAsync(() => router.Output.Contains("then dispatched [request_id=aot-waits]", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "no queue line:\n" + router.Output);

        PrometheusText metrics = PrometheusText.Parse(await client.GetStringAsync("/metrics"));
        Assert.Equal(1, metrics.Single("fastrouter_queue_dispatched_total", ("band", "normal")));
        Assert.Equal(1, metrics.Single("fastrouter_queue_rejections_total", ("band", "normal"), ("reason", "expired")));
    }

    private static async Task<int> WaitingAsync(HttpClient client)
    {
        using JsonDocument status = JsonDocument.Parse(await client.GetStringAsync("/queue"));
        int waiting = 0;
        foreach (JsonElement model in status.RootElement.GetProperty("models").EnumerateArray())
        {
            foreach (JsonElement band in model.GetProperty("bands").EnumerateArray())
            {
                waiting += band.GetProperty("waiting").GetInt32();
            }
        }

        return waiting;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string prompt, bool stream = false, int maxTokens = 2, string? queueTimeout = null, string? requestId = null) =>
        client.SendAsync(
            QueueableRequest.Completion(prompt, stream, maxTokens, queueTimeout: queueTimeout, requestId: requestId),
            HttpCompletionOption.ResponseHeadersRead);
}
