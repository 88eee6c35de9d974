using System.Text;
using System.Text.Json;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// One pod of a role failing in each way a pod fails: no client request fails, the pod stops getting requests
/// once ejected, and no KV blocks stay held once leases would have been freed.
/// </summary>
public sealed class FailoverTests
{
    public static TheoryData<string> PodFaults => new() { "Status500", "Status503", "ResetConnection", "Refused", "Hang" };

    public static TheoryData<string> DecodeFaults => new() { "Status500", "Status503", "ResetConnection", "Refused", "Hang", "FailKvPull", "DropBeforeFirstEvent" };

    [Theory]
    [MemberData(nameof(PodFaults))]
    public async Task APrefillPodFailing_NeverFailsAClientRequest(string fault)
    {
        var clock = new ManualTimeProvider();
        // Only a hanging pod needs the timeout short; elsewhere a busy 2-core machine must not turn into timeouts.
        await using RouterTestHarness harness = await Fleet.StartAsync(clock, o => fault == "Hang" ? o with { PrefillTimeout = TimeSpan.FromSeconds(1.5) } : o);
        await InjectAsync(harness.Prefill[0], fault);

        for (int i = 0; i < 8; i++)
        {
            using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);
            Assert.True(200 == (int)response.StatusCode, $"request {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // Round robin offers the failing pod every other request until three failures eject it.
        string log = string.Join("\n", harness.Logs.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Select(l => l.Message));
        Assert.True((fault == "Refused" ? 0 : 3) == Fleet.Calls(harness.Prefill[0]), log);
        Assert.True(8 == Fleet.Calls(harness.Prefill[1]), log);
        Assert.Equal(8, harness.Decode.Sum(Fleet.Calls));
        Assert.Equal(0, Fleet.HeldBlocks(harness));
    }

    [Theory]
    [MemberData(nameof(DecodeFaults))]
    public async Task ADecodePodFailingBeforeItsFirstByte_NeverFailsAClientRequest(string fault)
    {
        var clock = new ManualTimeProvider();
        // The ejection outlasts the test, so what follows it is seen whole.
        await using RouterTestHarness harness = await Fleet.StartAsync(clock, o =>
        {
            o = o with { EjectionTime = TimeSpan.FromMinutes(10), MaxEjectionTime = TimeSpan.FromMinutes(10) };
            return fault == "Hang" ? o with { DecodeFirstByteTimeout = TimeSpan.FromSeconds(1.5) } : o;
        });
        await InjectAsync(harness.Decode[0], fault);

        bool streamsOnly = fault == "DropBeforeFirstEvent";
        for (int i = 0; i < 8; i++)
        {
            bool stream = streamsOnly || i % 2 == 1;
            string body = stream ? Fleet.StreamBody : Fleet.ChatBody;
            string path = stream ? "/v1/completions" : "/v1/chat/completions";
            using HttpResponseMessage response = await harness.PostAsync(path, body);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(200 == (int)response.StatusCode, $"request {i}: {(int)response.StatusCode} {text}");
            Assert.DoesNotContain("\"error\"", text, StringComparison.Ordinal);
        }

        // Each failure redid the whole flow: a new prefill, then the other decode pod. A pod that failed before it
        // answered may not have taken its params, so they went to the other pod once more, in a one-token call that
        // freed their blocks at once. One whose stream broke after its headers had them: they are never sent again.
        int failedAttempts = fault == "Refused" ? 3 : Fleet.Calls(harness.Decode[0]);
        int releases = fault == "DropBeforeFirstEvent" ? 0 : failedAttempts;
        Assert.Equal(3, failedAttempts);
        Assert.Equal(8 + releases, Fleet.Calls(harness.Decode[1]));
        Assert.Equal(8 + failedAttempts, harness.Prefill.Sum(Fleet.Calls));
        AssertEveryParamsSentOnce(harness);

        // The pods' clock stood still: no lease freed anything.
        Assert.True(await Eventually.TrueAsync(() => Fleet.HeldBlocks(harness) == 0), $"{Fleet.HeldBlocks(harness)} KV blocks held");

        // The third failure in a row ejected the pod: /metrics says so, and while ejected it gets no more requests.
        string failing = RouterTestHarness.PodName(harness.Decode[0]);
        var metrics = Telemetry.PrometheusText.Parse(await harness.ScrapeAsync());
        Assert.Equal(1, metrics.Single("fastrouter_ejections_total", ("role", "decode"), ("pod", failing)));
        Assert.Equal(1, metrics.Sum("fastrouter_ejections_total"));
        Assert.Equal(1, metrics.Single("fastrouter_pods", ("role", "decode"), ("state", "ejected")));
        Assert.Equal(0, metrics.Single("vllm:healthy_pods_total", ("server", failing)));
        int calls = Fleet.Calls(harness.Decode[0]);
        for (int i = 0; i < 4; i++)
        {
            using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);
            Assert.Equal(200, (int)response.StatusCode);
        }

        Assert.Equal(calls, Fleet.Calls(harness.Decode[0]));
        Assert.Equal(8 + releases + 4, Fleet.Calls(harness.Decode[1]));
        Assert.Equal(8 + failedAttempts + 4, harness.Prefill.Sum(Fleet.Calls));
    }

    [Fact]
    public async Task AnUnreachableDecodePod_ItsUnsentParamsAreReleasedThroughTheOther()
    {
        var clock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(clock);
        await harness.Decode[0].StopAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);

        Assert.Equal(200, (int)response.StatusCode);

        // The first attempt's params never left the router; the other decode pod got them once, in a one-token
        // streamed call, and pulled their blocks. The pods' clock stands still, so no lease freed anything.
        RecordedRequest[] calls = [.. harness.Decode[1].ReceivedRequests.Where(r => r.Path == "/v1/chat/completions")];
        Assert.Equal(2, calls.Length);
        using JsonDocument release = JsonDocument.Parse(calls[0].Body);
        Assert.Equal(1, release.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.True(release.RootElement.GetProperty("stream").GetBoolean());
        Assert.Equal(JsonValueKind.Object, release.RootElement.GetProperty("kv_transfer_params").ValueKind);
        AssertEveryParamsSentOnce(harness);
        Assert.True(await Eventually.TrueAsync(() => Fleet.HeldBlocks(harness) == 0), $"{Fleet.HeldBlocks(harness)} KV blocks held");
        Assert.True(await Eventually.TrueAsync(() => harness.Decode[1].Stats.KvPullsSucceeded == 2), "the other decode pod did not pull both sets of blocks");
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 22 && l.Message.Contains("decode sent the params and its answer was read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnreachableDecodePod_WithTheLeasePolicy_LeavesItsParamsToTheLease()
    {
        var clock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(clock, o => o with { DisconnectKvRelease = DisconnectKvRelease.Lease });
        await harness.Decode[0].StopAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, Fleet.Calls(harness.Decode[1]));
        Assert.True(Fleet.HeldBlocks(harness) > 0);
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 22 && l.Message.Contains("left to the prefill's lease", StringComparison.Ordinal));
        clock.Advance(Fleet.Lease + TimeSpan.FromSeconds(1));
        Assert.True(await Eventually.TrueAsync(() => Fleet.HeldBlocks(harness) == 0), "the lease did not free the blocks");
    }

    [Fact]
    public async Task AFailedPrefill_IsRetriedOnAnotherPod_NotTheSameOne()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider());
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.Status500, count: 1);

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, Fleet.Calls(harness.Prefill[0]));
        Assert.Equal(1, Fleet.Calls(harness.Prefill[1]));
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 18);

        // The retry and the decode leg continue the failed attempt's trace: one request, one trace context.
        string? first = Assert.Single(harness.Prefill[0].ReceivedRequests).TraceParent;
        Assert.NotNull(first);
        Assert.Equal(first, Assert.Single(harness.Prefill[1].ReceivedRequests).TraceParent);
        Assert.Equal(first, Assert.Single(harness.Decode.SelectMany(pod => pod.ReceivedRequests)).TraceParent);
    }

    [Fact]
    public async Task TheRetryBudget_IsRespected_AndTheLastFailureIsAnswered()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), o => o with { MaxRetries = 1 });
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.Status503);
        harness.Prefill[1].Faults.Set(SimulatorFaultMode.Status503);

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);

        await OpenAiErrorAssert.IsErrorAsync(response, 503);
        Assert.Equal(2, harness.Prefill.Sum(Fleet.Calls));
        Assert.Equal(0, harness.Decode.Sum(Fleet.Calls));
    }

    [Fact]
    public async Task ClientErrors_AreNotRetried()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), o => o with { HasStaticModels = false });

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", "{\"model\":\"unknown\",\"messages\":[]}");

        await OpenAiErrorAssert.IsErrorAsync(response, 404);
        Assert.Equal(1, harness.Prefill.Sum(Fleet.Calls));
    }

    [Fact]
    public async Task ADecodeStreamBreakingAfterItsFirstEvents_EndsWithAnErrorEvent_AndIsNotRetried()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), decodeInterTokenLatency: TimeSpan.FromMilliseconds(50));
        harness.Decode[0].Faults.Set(SimulatorFaultMode.DropMidStream, count: 1, afterEvents: 2);

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Fleet.StreamBody);
        List<string> events = SseReader.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(200, (int)response.StatusCode);
        Assert.DoesNotContain("[DONE]", events);
        using JsonDocument last = JsonDocument.Parse(events[^1]);
        Assert.True(last.RootElement.TryGetProperty("error", out _));
        Assert.Equal(1, harness.Decode.Sum(Fleet.Calls));
    }

    [Fact]
    public async Task RetriesAndEjections_AreCountedInMetrics_ByTheProxyItself()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider());
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.Status500, count: 3);

        for (int i = 0; i < 6; i++)
        {
            using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);
            Assert.Equal(200, (int)response.StatusCode);
        }

        string metrics = await harness.Client.GetStringAsync("/metrics");
        string prefill = harness.Prefill[0].BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.Contains("fastrouter_retries_total{role=\"prefill\",reason=\"server_error\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("fastrouter_ejections_total{role=\"prefill\",pod=\"" + prefill + "\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("fastrouter_backend_calls_total{role=\"prefill\",pod=\"" + prefill + "\",outcome=\"server_error\"} 3", metrics, StringComparison.Ordinal);
    }

    /// <summary>
    /// No kv_transfer_params object (identified by its blocks) reached two decode calls for a generation, nor two
    /// release drains (one token, streamed: the tests' own requests ask for more).
    /// </summary>
    private static void AssertEveryParamsSentOnce(RouterTestHarness harness)
    {
        var seen = new HashSet<string>();
        var drained = new HashSet<string>();
        foreach (RecordedRequest request in harness.Decode.SelectMany(d => d.ReceivedRequests))
        {
            if (request.Body.Length == 0)
            {
                continue;
            }

            using JsonDocument body = JsonDocument.Parse(request.Body);
            if (body.RootElement.TryGetProperty("kv_transfer_params", out JsonElement kv))
            {
                string id = kv.GetProperty("remote_engine_id").GetString() + "/" + kv.GetProperty("remote_block_ids").GetRawText();
                bool drain = body.RootElement.GetProperty("max_tokens").GetInt32() == 1 && body.RootElement.GetProperty("stream").GetBoolean();
                Assert.True((drain ? drained : seen).Add(id), "kv_transfer_params sent to decode twice: " + id);
            }
        }
    }

    private static async Task InjectAsync(VllmSimulator pod, string fault)
    {
        switch (fault)
        {
            case "Refused":
                await pod.StopAsync();
                break;
            case "DropBeforeFirstEvent":
                // Streams only: the answer starts (headers) and breaks before any event.
                pod.Faults.Set(SimulatorFaultMode.DropMidStream, afterEvents: 0);
                break;
            default:
                pod.Faults.Set(Enum.Parse<SimulatorFaultMode>(fault));
                break;
        }
    }
}
