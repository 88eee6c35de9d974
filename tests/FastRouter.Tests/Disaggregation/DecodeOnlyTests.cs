using System.Text;
using System.Text.Json;
using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Engines;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using FastRouter.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Disaggregation;

/// <summary>
/// Serving a request on its decode pod alone, end to end with simulator pods: a short uncached prompt under
/// --decode-only-below-tokens, a request no prefill pod can take under --decode-only-without-prefill, neither by
/// default; what the pods saw, what the client got, the metric, the log lines, failover and a client that leaves.
/// </summary>
public sealed class DecodeOnlyTests
{
    private const string Category = "FastRouter.Proxying.OrchestratedProxy";

    /// <summary>A chat request whose prompt is 2 bytes: well below 100 tokens.</summary>
    private const string ShortChat = "{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4}";

    private static readonly SimulatorOptions PrefillPod = new() { Role = SimulatorRole.Prefill };
    private static readonly SimulatorOptions DecodePod = new() { Role = SimulatorRole.Decode };

    [Fact]
    public async Task AShortPrompt_GoesToTheDecodePodAlone_WithTheClientsBodyAsSent()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { DecodeOnlyBelowTokens = 100 });

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ShortChat, requestId: "short-1");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        using JsonDocument answer = JsonDocument.Parse(text);
        Assert.Equal("The quick brown fox", answer.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Empty(harness.Prefill[0].ReceivedRequests);
        RecordedRequest sent = Assert.Single(harness.Decode[0].ReceivedRequests);
        Assert.Equal(ShortChat, Encoding.UTF8.GetString(sent.Body));
        Assert.Equal("short-1", sent.RequestId);
        Assert.Equal(0, harness.Decode[0].Stats.DecodesWithKv);
        Assert.Equal(1, harness.Decode[0].Stats.DecodesRecomputed);

        PrometheusText metrics = await ScrapeOnceCountedAsync(harness, 1);
        Assert.Equal(1, metrics.Single("fastrouter_disaggregation_decisions_total", ("decision", "decode_only"), ("reason", "short_uncached")));
        Assert.Empty(metrics.Find("fastrouter_disaggregation_decisions_total", ("decision", "disaggregated")));
        Assert.Empty(metrics.Find("fastrouter_kv_handoff_seconds_count"));
        Assert.Equal(1, metrics.Single("fastrouter_backend_calls_total", ("role", "decode"), ("pod", RouterTestHarness.PodName(harness.Decode[0])), ("outcome", "success")));

        // What really happened, in place of the seed's prefill lines: the decode-only line, then decode's and the end's.
        string[] lines = await RequestLinesAsync(harness, "short-1", 3);
        Assert.Equal(
            [
                "Serving decode-only on " + RouterTestHarness.PodName(harness.Decode[0]) + " (short_uncached) [request_id=short-1]",
                "Sending decode request to " + RouterTestHarness.PodName(harness.Decode[0]) + "/v1/chat/completions [request_id=short-1]",
            ],
            lines[..2]);
        Assert.StartsWith("Orchestrated request completed, total time = ", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AShortStreamedPrompt_IsRelayedAsAnEventStream_StreamAndMaxTokensUntouched()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { DecodeOnlyBelowTokens = 100 });
        const string Body = "{\"model\":\"llama31-8b\",\"prompt\":\"Once\",\"max_tokens\":3,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);
        List<string> events = await SseReader.ReadAllDataAsync(response);

        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("[DONE]", events[^1]);
        using JsonDocument usage = JsonDocument.Parse(events[^2]);
        Assert.Equal(3, usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Empty(harness.Prefill[0].ReceivedRequests);
        Assert.Equal(Body, Encoding.UTF8.GetString(Assert.Single(harness.Decode[0].ReceivedRequests).Body));
    }

    [Fact]
    public async Task AClientsOwnKvTransferParams_AreLeftOut_AsFromEveryDecodeLeg()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { DecodeOnlyBelowTokens = 100 });
        const string Body = "{\"model\":\"llama31-8b\",\"prompt\":\"Once\",\"kv_transfer_params\":{\"do_remote_prefill\":true,\"remote_host\":\"169.254.169.254\"},\"max_tokens\":2}";

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Empty(harness.Prefill[0].ReceivedRequests);
        Assert.Equal(
            "{\"model\":\"llama31-8b\",\"prompt\":\"Once\",\"max_tokens\":2}",
            Encoding.UTF8.GetString(Assert.Single(harness.Decode[0].ReceivedRequests).Body));
        Assert.Equal(0, harness.Decode[0].Stats.KvPullsSucceeded + harness.Decode[0].Stats.KvPullsFailed);
    }

    [Fact]
    public async Task ALongPrompt_IsDisaggregated_UnderTheSameThreshold()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { DecodeOnlyBelowTokens = 100 });

        // 400 bytes of prompt: 100 tokens, not below 100.
        await harness.CompleteAsync(stream: false, prompt: new string('a', 400));

        Assert.Equal(1, harness.Prefill[0].Stats.PrefillsWithKv);
        Assert.Equal(1, harness.Decode[0].Stats.DecodesWithKv);
        PrometheusText metrics = await ScrapeOnceCountedAsync(harness, 1);
        Assert.Equal(1, metrics.Single("fastrouter_disaggregation_decisions_total", ("decision", "disaggregated"), ("reason", "default")));
        Assert.Empty(metrics.Find("fastrouter_disaggregation_decisions_total", ("decision", "decode_only")));
    }

    [Fact]
    public async Task ByDefault_TheSameShortPrompt_GoesPrefillThenDecode_WithTheSeedsLines()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ShortChat, requestId: "default-1");
        Assert.Equal(200, (int)response.StatusCode);

        Assert.Equal(1, harness.Prefill[0].Stats.PrefillsWithKv);
        Assert.Equal(1, harness.Decode[0].Stats.DecodesWithKv);
        PrometheusText metrics = await ScrapeOnceCountedAsync(harness, 1);
        Assert.Equal(1, metrics.Single("fastrouter_disaggregation_decisions_total", ("decision", "disaggregated"), ("reason", "default")));
        string[] lines = await RequestLinesAsync(harness, "default-1", 7);
        Assert.Equal("Starting orchestrated disaggregated inference [request_id=default-1]", lines[0]);
        Assert.DoesNotContain(lines, l => l.Contains("decode-only", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALaterTurn_WithAShortNewMessage_GoesDecodeOnly_ToThePodThatServedTheTurnBefore()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync([PrefillPod], [DecodePod, DecodePod], o => o with { DecodeOnlyBelowTokens = 100 });
        string system = new('s', 2000);
        string first = Conversation(system, ("user", "Tell me a story"));

        // The first turn is long: prefill→decode, on the decode pod its key ranks first.
        using HttpResponseMessage firstAnswer = await harness.PostAsync("/v1/chat/completions", first);
        string reply = ReplyOf(await firstAnswer.Content.ReadAsStringAsync());
        VllmSimulator served = Assert.Single(harness.Decode, d => d.ReceivedRequests.Count == 1);
        Assert.Equal(1, harness.Prefill[0].Stats.PrefillsWithKv);

        // The second turn carries the whole conversation, but only "Thanks" is new to that pod.
        string second = Conversation(system, ("user", "Tell me a story"), ("assistant", reply), ("user", "Thanks"));
        using HttpResponseMessage secondAnswer = await harness.PostAsync("/v1/chat/completions", second, requestId: "turn-2");
        Assert.Equal(200, (int)secondAnswer.StatusCode);

        Assert.Equal(2, served.ReceivedRequests.Count);
        Assert.Equal(second, Encoding.UTF8.GetString(served.ReceivedRequests[1].Body));
        Assert.Single(harness.Prefill[0].ReceivedRequests);
        Assert.Contains(await RequestLinesAsync(harness, "turn-2", 3), l => l.StartsWith("Serving decode-only on " + RouterTestHarness.PodName(served) + " (short_uncached)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALaterTurn_PickedWithoutAffinity_CountsItsWholePrompt_AndIsDisaggregated()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [PrefillPod], [DecodePod, DecodePod], o => o with { DecodeOnlyBelowTokens = 100, PodSelection = PodSelection.LeastInFlight });
        string second = Conversation(new string('s', 2000), ("user", "Tell me a story"), ("assistant", "Once upon a time"), ("user", "Thanks"));

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", second);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, harness.Prefill[0].Stats.PrefillsWithKv);
    }

    [Fact]
    public async Task WithoutPrefill_ARouteWithNoPrefillPod_IsServedDecodeOnly_OnlyWithTheFlag()
    {
        await using (RouterTestHarness on = await RouterTestHarness.StartAsync([], [DecodePod], o => o with { DecodeOnlyWithoutPrefill = true }))
        {
            using HttpResponseMessage response = await on.PostAsync("/v1/chat/completions", ShortChat, requestId: "none-1");

            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(ShortChat, Encoding.UTF8.GetString(Assert.Single(on.Decode[0].ReceivedRequests).Body));
            PrometheusText metrics = await ScrapeOnceCountedAsync(on, 1);
            Assert.Equal(1, metrics.Single("fastrouter_disaggregation_decisions_total", ("decision", "decode_only"), ("reason", "no_prefill")));
            Assert.Equal("Serving decode-only on " + RouterTestHarness.PodName(on.Decode[0]) + " (no_prefill) [request_id=none-1]", (await RequestLinesAsync(on, "none-1", 3))[0]);
        }

        await using RouterTestHarness off = await RouterTestHarness.StartAsync([], [DecodePod]);
        using HttpResponseMessage refused = await off.PostAsync("/v1/chat/completions", ShortChat);
        JsonElement error = await OpenAiErrorAssert.IsErrorAsync(refused, 503);
        Assert.StartsWith("No prefill pod is available", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(off.Decode[0].ReceivedRequests);
    }

    [Fact]
    public async Task WithoutPrefill_AStoppedPrefillPod_IsServedDecodeOnly_OnceEveryPrefillAttemptFailed()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync([PrefillPod], [DecodePod], o => o with { DecodeOnlyWithoutPrefill = true, EjectAfterFailures = 0 });
        await harness.Prefill[0].StopAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ShortChat, requestId: "stopped-1");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(ShortChat, Encoding.UTF8.GetString(Assert.Single(harness.Decode[0].ReceivedRequests).Body));
        PrometheusText metrics = await ScrapeOnceCountedAsync(harness, 1);
        Assert.Equal(1, metrics.Single("fastrouter_disaggregation_decisions_total", ("decision", "decode_only"), ("reason", "no_prefill")));
        Assert.Equal(2, metrics.Single("fastrouter_retries_total", ("role", "prefill"), ("reason", "connection_error")));

        // The seed's lines for the prefill that was tried, then the decode-only line for what served the request.
        string[] lines = await RequestLinesAsync(harness, "stopped-1", 9);
        Assert.Equal("Starting orchestrated disaggregated inference [request_id=stopped-1]", lines[0]);
        Assert.Contains("Serving decode-only on " + RouterTestHarness.PodName(harness.Decode[0]) + " (no_prefill) [request_id=stopped-1]", lines);
    }

    [Fact]
    public async Task WithoutTheFlag_AStoppedPrefillPod_FailsTheRequest_AsBefore()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync([PrefillPod], [DecodePod], o => o with { EjectAfterFailures = 0 });
        await harness.Prefill[0].StopAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ShortChat);

        await OpenAiErrorAssert.IsErrorAsync(response, 502);
        Assert.Empty(harness.Decode[0].ReceivedRequests);
    }

    [Fact]
    public async Task WithoutPrefill_AnEjectedPrefillPod_IsNotTried_TheRequestGoesDecodeOnly()
    {
        Func<RouterOptions, RouterOptions> ejectAtOnce = o => o with { EjectAfterFailures = 1, EjectionTime = TimeSpan.FromMinutes(5), MaxEjectionTime = TimeSpan.FromMinutes(5) };
        await using (RouterTestHarness on = await RouterTestHarness.StartAsync([PrefillPod], [DecodePod], o => ejectAtOnce(o) with { DecodeOnlyWithoutPrefill = true }))
        {
            Eject(on);

            using HttpResponseMessage response = await on.PostAsync("/v1/chat/completions", ShortChat);

            Assert.Equal(200, (int)response.StatusCode);
            Assert.Empty(on.Prefill[0].ReceivedRequests);
            Assert.Equal(ShortChat, Encoding.UTF8.GetString(Assert.Single(on.Decode[0].ReceivedRequests).Body));
            Assert.Equal(1, (await ScrapeOnceCountedAsync(on, 1)).Single("fastrouter_disaggregation_decisions_total", ("decision", "decode_only"), ("reason", "no_prefill")));
        }

        // Without the flag the ejected pod is still tried, as every pod is when none is healthy.
        await using RouterTestHarness off = await RouterTestHarness.StartAsync([PrefillPod], [DecodePod], ejectAtOnce);
        Eject(off);
        using HttpResponseMessage disaggregated = await off.PostAsync("/v1/chat/completions", ShortChat);
        Assert.Equal(200, (int)disaggregated.StatusCode);
        Assert.Equal(1, off.Prefill[0].Stats.PrefillsWithKv);
    }

    [Fact]
    public async Task WithoutPrefill_APrefillPodReportingALongQueue_IsPassedBy_AShorterQueueIsNot()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync([PrefillPod], [DecodePod], o => o with { DecodeOnlyWithoutPrefill = true, SaturationWaiting = 8 });
        Backend prefill = Pod(harness, BackendRole.Prefill);

        await SendWithQueueAsync(harness, prefill, waiting: 7);
        Assert.Equal(1, harness.Prefill[0].Stats.PrefillsWithKv);

        await SendWithQueueAsync(harness, prefill, waiting: 8);
        Assert.Single(harness.Prefill[0].ReceivedRequests);
        Assert.Equal(2, harness.Decode[0].ReceivedRequests.Count);
        Assert.Equal(ShortChat, Encoding.UTF8.GetString(harness.Decode[0].ReceivedRequests[1].Body));
        PrometheusText metrics = await ScrapeOnceCountedAsync(harness, 2);
        Assert.Equal(1, metrics.Single("fastrouter_disaggregation_decisions_total", ("decision", "decode_only"), ("reason", "no_prefill")));
        Assert.Equal(1, metrics.Single("fastrouter_disaggregation_decisions_total", ("decision", "disaggregated"), ("reason", "default")));
    }

    [Fact]
    public async Task WithoutTheFlag_APrefillPodReportingALongQueue_StillGetsTheRequest()
    {
        // Decode-only is on for short prompts only; this one is 10 tokens, not below 2.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync([PrefillPod], [DecodePod], o => o with { DecodeOnlyBelowTokens = 2 });
        string body = RequestBodies.Chat(4, content: new string('x', 40));

        await SendWithQueueAsync(harness, Pod(harness, BackendRole.Prefill), waiting: 1000, body);

        Assert.Equal(1, harness.Prefill[0].Stats.PrefillsWithKv);
    }

    [Fact]
    public async Task ADecodeOnlyRequestThatFailsBeforeItsFirstByte_IsRetriedOnAnotherDecodePod()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [PrefillPod],
            [DecodePod, DecodePod],
            o => o with { DecodeOnlyBelowTokens = 100, PodSelection = PodSelection.RoundRobin, EjectAfterFailures = 0 });
        VllmSimulator failing = harness.Decode[0];
        VllmSimulator healthy = harness.Decode[1];
        failing.Faults.Set(SimulatorFaultMode.Status500);

        // Each in turn: whichever request starts on the failing pod must move to the other.
        const int Requests = 4;
        for (int i = 0; i < Requests; i++)
        {
            using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ShortChat, requestId: "failover-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(200, (int)response.StatusCode);
        }

        Assert.Empty(harness.Prefill[0].ReceivedRequests);
        Assert.Equal(Requests, healthy.ReceivedRequests.Count);
        int failed = failing.ReceivedRequests.Count;
        Assert.InRange(failed, 1, Requests);
        Assert.All(failing.ReceivedRequests, r => Assert.Equal(ShortChat, Encoding.UTF8.GetString(r.Body)));
        PrometheusText metrics = await ScrapeOnceCountedAsync(harness, Requests);
        Assert.Equal(failed, metrics.Single("fastrouter_retries_total", ("role", "decode"), ("reason", "server_error")));
        Assert.Equal(Requests, metrics.Single("fastrouter_disaggregation_decisions_total", ("decision", "decode_only"), ("reason", "short_uncached")));
        Assert.Empty(metrics.Find("fastrouter_decode_drains_total"));
        Assert.Equal(failed, harness.Logs.Lines.Count(l => l.EventId.Id == 26 && l.Message.StartsWith("Decode-only on " + RouterTestHarness.PodName(failing) + " failed before its first byte", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ADecodeOnlyRequestWithNoRetryLeft_GetsTheDecodePodsError()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { DecodeOnlyBelowTokens = 100, MaxRetries = 0 });
        harness.Decode[0].Faults.Set(SimulatorFaultMode.Status503);

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ShortChat);

        await OpenAiErrorAssert.IsErrorAsync(response, 503);
        Assert.Empty(harness.Prefill[0].ReceivedRequests);
    }

    [Fact]
    public async Task AClientThatLeavesADecodeOnlyStream_LeavesNothingHeld()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [PrefillPod],
            [new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(20) }],
            o => o with { DecodeOnlyBelowTokens = 100 });
        const string Body = "{\"model\":\"llama31-8b\",\"prompt\":\"Once\",\"max_tokens\":500,\"stream\":true}";

        await LeavingClient.LeaveMidStreamAsync(harness.Client, "/v1/completions", Body, TimeSpan.FromMilliseconds(200));

        // The router cut the decode call: the pod stops generating for nobody; nothing was asked of prefill.
        Assert.True(await Eventually.TrueAsync(() => harness.Decode[0].Stats.ClientAborts == 1 && harness.Decode[0].RunningRequests == 0, TimeSpan.FromSeconds(15)));
        PrometheusText metrics = await ScrapeOnceCountedAsync(harness, 1);
        Assert.Equal(1, metrics.Single("fastrouter_client_disconnects_total", ("phase", "decode")));
        Assert.Equal(0, metrics.Single("fastrouter_requests_in_flight"));
        Assert.Equal(0, metrics.Sum("fastrouter_backend_in_flight"));
        Assert.Empty(harness.Prefill[0].ReceivedRequests);
        Assert.Empty(harness.Prefill[0].HeldKvRequestIds);
        Assert.Empty(metrics.Find("fastrouter_decode_drains_total"));
    }

    [Fact]
    public async Task AClientThatLeavesBeforeADecodeOnlyAnswer_IsCutOnThePod_NoDrainFollows()
    {
        // Not streamed: the pod answers only once its 500 tokens are generated, 10 s at 20 ms a token.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [PrefillPod],
            [new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(20) }],
            o => o with { DecodeOnlyBelowTokens = 100 });
        const string Body = "{\"model\":\"llama31-8b\",\"prompt\":\"Once\",\"max_tokens\":500}";

        await LeavingClient.LeaveBeforeTheAnswerAsync(harness.Client, "/v1/completions", Body, () => harness.Decode[0].RunningRequests == 1, TimeSpan.FromMilliseconds(100));

        Assert.True(await Eventually.TrueAsync(() => harness.Decode[0].Stats.ClientAborts == 1 && harness.Decode[0].RunningRequests == 0, TimeSpan.FromSeconds(8)));
        PrometheusText metrics = await ScrapeOnceCountedAsync(harness, 1);
        Assert.Equal(0, metrics.Single("fastrouter_requests_in_flight"));
        Assert.Single(harness.Decode[0].ReceivedRequests);
        Assert.Empty(harness.Prefill[0].ReceivedRequests);
        Assert.Empty(harness.Prefill[0].HeldKvRequestIds);
        Assert.Empty(metrics.Find("fastrouter_decode_drains_total"));
    }

    private static string Conversation(string system, params (string Role, string Content)[] turns)
    {
        var text = new StringBuilder("{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"system\",\"content\":\"").Append(system).Append("\"}");
        foreach ((string role, string content) in turns)
        {
            text.Append(",{\"role\":\"").Append(role).Append("\",\"content\":").Append(JsonSerializer.Serialize(content)).Append('}');
        }

        return text.Append("],\"max_tokens\":4}").ToString();
    }

    private static string ReplyOf(string answer)
    {
        using JsonDocument document = JsonDocument.Parse(answer);
        return document.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    private static Backend Pod(RouterTestHarness harness, BackendRole role) =>
        harness.Services.GetRequiredService<IBackendDiscovery>().Current.Backends.Single(b => b.Role == role);

    private static void Eject(RouterTestHarness harness)
    {
        Assert.True(harness.Services.GetRequiredService<PodHealthTracker>().ReportFailure(Pod(harness, BackendRole.Prefill)));
    }

    /// <summary>
    /// Sends <paramref name="body"/> with the prefill pod's engine figures saying <paramref name="waiting"/> requests
    /// wait, as a fresh scrape would. A scraper may publish the pod's real figures meanwhile: the request is sent again
    /// until the figures set were still there once it was answered, so they were what the router decided on.
    /// </summary>
    private static async Task SendWithQueueAsync(RouterTestHarness harness, Backend prefill, double waiting, string body = ShortChat)
    {
        for (int attempt = 0; ; attempt++)
        {
            var snapshot = new EngineSnapshot { ReceivedAt = TimeProvider.System.GetTimestamp(), RouterInFlightAtScrape = 0, Waiting = waiting };
            prefill.Engine = snapshot;
            using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", body);
            Assert.Equal(200, (int)response.StatusCode);
            if (ReferenceEquals(prefill.Engine, snapshot))
            {
                return;
            }

            Assert.True(attempt < 5, "the engine figures kept being replaced");
        }
    }

    /// <summary>The metrics once <paramref name="requests"/> requests have been counted as decided (counted as each ends).</summary>
    private static Task<PrometheusText> ScrapeOnceCountedAsync(RouterTestHarness harness, int requests) =>
        Eventually.ValueAsync(
            async () => PrometheusText.Parse(await harness.ScrapeAsync()),
            m => m.Sum("fastrouter_disaggregation_decisions_total") >= requests && m.Single("fastrouter_requests_in_flight") == 0);

    /// <summary>The proxy's Information lines of one request, in order, once <paramref name="count"/> were written.</summary>
    private static async Task<string[]> RequestLinesAsync(RouterTestHarness harness, string requestId, int count)
    {
        string[] lines = [];
        Assert.True(
            await Eventually.TrueAsync(() => (lines = Lines()).Length >= count),
            "the request wrote " + string.Join(" | ", Lines()));
        return lines;

        string[] Lines() =>
        [
            .. harness.Logs.Lines
                .Where(l => l.Category == Category && l.Level == LogLevel.Information && l.Message.EndsWith("[request_id=" + requestId + "]", StringComparison.Ordinal))
                .Select(l => l.Message),
        ];
    }
}
