using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Telemetry;

/// <summary>
/// Real traffic through the router that moves every metric family it exports: streamed and plain answers, a prefill
/// answer without kv_transfer_params, a decode 5xx (a release drain, then the flow redone), a client leaving
/// mid-stream, and a prefill pod failing until it is ejected. Two routes of one pod per role each, so which pod gets
/// every call is known: <see cref="RouterTestHarness.Model"/> on <c>Prefill[0]</c>/<c>Decode[0]</c>, and
/// <see cref="NoKvModel"/>, whose prefill answers <c>"kv_transfer_params":null</c>, on <c>Prefill[1]</c>/<c>Decode[1]</c>.
/// </summary>
internal static class EveryEventTraffic
{
    public const string NoKvModel = "no-kv-model";

    /// <summary>Streams on the main route, each of four tokens.</summary>
    public const int Streamed = 3;

    /// <summary>Plain (non-streamed) answers on the main route before the faults.</summary>
    public const int Plain = 2;

    public const int TokensPerAnswer = 4;

    public static Task<RouterTestHarness> StartAsync(Uri? otelEndpoint = null) => RouterTestHarness.StartAsync(
        [new SimulatorOptions { Role = SimulatorRole.Prefill }, new SimulatorOptions { Role = SimulatorRole.Prefill, Model = NoKvModel, KvShape = KvParamsShape.Null }],
        [
            // A gap between tokens, so stream events arrive (and are flushed) one by one, as from a real engine.
            new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(20) },
            new SimulatorOptions { Role = SimulatorRole.Decode, Model = NoKvModel, InterTokenLatency = TimeSpan.FromMilliseconds(20) },
        ],
        // The ejection must outlast the test, so the final scrape still sees it.
        o => o with { EjectionTime = TimeSpan.FromMinutes(10), MaxEjectionTime = TimeSpan.FromMinutes(10), OtelEndpoint = otelEndpoint, EngineStatsScraping = true });

    /// <summary>Drives the traffic; returns the prompt tokens of the usage the client was answered with.</summary>
    public static async Task<long> DriveAsync(RouterTestHarness harness)
    {
        long promptTokens = 0;
        for (int i = 0; i < Streamed; i++)
        {
            await harness.CompleteAsync(stream: true);
        }

        for (int i = 0; i < Plain; i++)
        {
            promptTokens += PromptTokens(await harness.CompleteAsync(stream: false));
        }

        // The prefill answers without params: decode recomputes (fallback policy).
        promptTokens += PromptTokens(await harness.CompleteAsync(stream: false, model: NoKvModel));

        // Decode answers 500 once: its params go to a drain (to the same pod, the route's only one), then the whole
        // flow is redone and answered.
        harness.Decode[0].Faults.Set(SimulatorFaultMode.Status500, count: 1);
        promptTokens += PromptTokens(await harness.CompleteAsync(stream: false));

        // A client leaves a 200-token stream (4 s at 20 ms a token) after its first events.
        string longStream = "{\"model\":\"" + NoKvModel + "\",\"prompt\":\"hello there\",\"max_tokens\":200,\"stream\":true}";
        await LeavingClient.LeaveMidStreamAsync(harness.Client, "/v1/completions", longStream, TimeSpan.FromMilliseconds(200));
        await WaitForNoRequestInFlightAsync(harness);

        // The prefill pod fails three times: the request's two retries fail too, the client gets the last 500, and
        // the third failure in a row ejects the pod.
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.Status500, count: 3);
        string body = "{\"model\":\"" + RouterTestHarness.Model + "\",\"prompt\":\"hello there\",\"max_tokens\":4}";
        using (HttpResponseMessage failed = await harness.PostAsync("/v1/completions", body))
        {
            await OpenAiErrorAssert.IsErrorAsync(failed, 500);
        }

        return promptTokens;
    }

    /// <summary>Until the router has finished every request (a client that left is done with a moment later).</summary>
    private static async Task WaitForNoRequestInFlightAsync(RouterTestHarness harness)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (PrometheusText.Parse(await harness.ScrapeAsync()).Single("fastrouter_requests_in_flight") != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "a request stayed in flight");
            await Task.Delay(20);
        }
    }

    private static long PromptTokens(string answer)
    {
        using JsonDocument document = JsonDocument.Parse(answer);
        return document.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
    }
}
