using System.Text;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using FastRouter.Tests.Telemetry;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The native binary serving a request on its decode pod alone: the flag parsed, the prefill pod never called, the
/// decode-only line written by the direct console path in place of the prefill lines, and the decision in /metrics.
/// </summary>
[Collection(AotCollection.Name)]
public sealed class AotDecodeOnlyTests(AotBinaryFixture fixture)
{
    [Fact]
    public async Task UnderTheThreshold_ARequestGoesToDecodeAlone_WritesItsLine_AndIsCounted()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        int port = FreePort.Get();
        using NativeProcess router = NativeProcess.Start(
            fixture.BinaryPath, NativeProcess.PodPairArguments(port, prefill.BaseAddress, decode.BaseAddress, "--decode-only-below-tokens", "100"));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        await router.WaitUntilServingAsync(client, "/health");

        string body = RequestBodies.Chat(3, content: "Hi");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("X-Request-Id", "aot-decode-only");
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);

        // Only completions count: the binary probes every pod's /health.
        Assert.DoesNotContain(prefill.ReceivedRequests, r => r.Path.StartsWith("/v1/", StringComparison.Ordinal));
        Assert.Equal(body, Encoding.UTF8.GetString(Assert.Single(decode.ReceivedRequests, r => r.Path.StartsWith("/v1/", StringComparison.Ordinal)).Body));
        Assert.True(
            await Eventually.TrueAsync(() => router.Output.Contains("total time", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "no completion line:\n" + router.Output);
        string[] lines = [.. router.Output.Split('\n').Where(l => l.Contains("[request_id=aot-decode-only]", StringComparison.Ordinal))];
        Assert.Equal(3, lines.Length);
        string pod = RouterTestHarness.PodName(decode);
        Assert.EndsWith("info: FastRouter.Proxying.OrchestratedProxy[9] Serving decode-only on " + pod + " (short_uncached) [request_id=aot-decode-only]", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("info: FastRouter.Proxying.OrchestratedProxy[7] Sending decode request to " + pod + "/v1/chat/completions [request_id=aot-decode-only]", lines[1], StringComparison.Ordinal);
        Assert.Contains("[8] Orchestrated request completed, total time = ", lines[2], StringComparison.Ordinal);

        PrometheusText metrics = await Eventually.ValueAsync(
            async () => PrometheusText.Parse(await client.GetStringAsync("/metrics")),
            m => m.Sum("fastrouter_disaggregation_decisions_total") >= 1);
        Assert.Equal(1, metrics.Single("fastrouter_disaggregation_decisions_total", ("decision", "decode_only"), ("reason", "short_uncached")));
        Assert.Equal(1, metrics.Sum("fastrouter_disaggregation_decisions_total"));
    }
}
