using System.Text;
using System.Text.Json;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using FastRouter.Tests.Telemetry;

namespace FastRouter.Tests.Resilience;

/// <summary>Clients that leave at every phase: no KV blocks stay held, and no backend work keeps running.</summary>
public sealed class DisconnectTests
{
    [Fact]
    public async Task DuringPrefill_ThePrefillCallIsCancelled_AndNothingIsHeld()
    {
        var clock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(clock);
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.SlowPrefill, delay: TimeSpan.FromMinutes(10));

        await SendAndLeaveAsync(harness, "/v1/chat/completions", Fleet.ChatBody, () => harness.Prefill[0].RunningRequests == 1);

        Assert.True(await Eventually.TrueAsync(() => harness.Prefill[0].Stats.ClientAborts == 1), "prefill was not cancelled");
        Assert.Equal(0, harness.Prefill[0].RunningRequests);
        Assert.Equal(0, Fleet.HeldBlocks(harness));
        Assert.Equal(0, harness.Decode.Sum(Fleet.Calls));
        PrometheusText metrics = await MetricsOnceDoneAsync(() => harness.ScrapeAsync());
        Assert.Equal(1, metrics.Single("fastrouter_client_disconnects_total", ("phase", "prefill")));
        Assert.Equal(1, metrics.Sum("fastrouter_client_disconnects_total"));
        Assert.Equal(0, metrics.Sum("fastrouter_decode_drains_total"));
    }

    [Fact]
    public async Task AfterPrefillBeforeDecode_DecodeIsToldAndReleasesTheBlocks()
    {
        var clock = new ManualTimeProvider();
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, TimeProvider = clock, KvLeaseDuration = Fleet.Lease });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, TimeProvider = clock });
        var routerShutItsSide = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using ScriptedPod held = HoldingPrefill(prefill, routerShutItsSide);
        await using PodPairRouter router = await PodPairRouter.StartAsync(held.BaseAddress, decode.BaseAddress);

        await LeaveOncePrefillHoldsTheBlocksAsync(router, prefill, routerShutItsSide);

        // The params were sent to decode once, in a one-token stream, and it pulled their blocks: the lease's clock
        // stood still, so nothing else freed them.
        Assert.True(await Eventually.TrueAsync(() => prefill.HeldKvBlocks == 0), "the prefill's blocks stayed held");
        Assert.True(await Eventually.TrueAsync(() => decode.Stats.KvPullsSucceeded == 1), "decode did not pull the blocks");
        RecordedRequest drain = Assert.Single(decode.ReceivedRequests, r => r.Path == "/v1/chat/completions");
        using (JsonDocument body = JsonDocument.Parse(drain.Body))
        {
            Assert.Equal(1, body.RootElement.GetProperty("max_tokens").GetInt32());
            Assert.True(body.RootElement.GetProperty("stream").GetBoolean());
            Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("kv_transfer_params").ValueKind);
        }

        PrometheusText metrics = await MetricsOnceDoneAsync(router.ScrapeMetricsAsync);
        Assert.Equal(1, metrics.Single("fastrouter_client_disconnects_total", ("phase", "handoff")));
        Assert.Equal(1, metrics.Sum("fastrouter_client_disconnects_total"));
        Assert.Equal(1, metrics.Single("fastrouter_decode_drains_total", ("cause", "client_left")));
        Assert.Equal(0, decode.RunningRequests);
    }

    [Fact]
    public async Task AfterPrefillBeforeDecode_WithTheLeasePolicy_TheBlocksWaitForTheLease()
    {
        var clock = new ManualTimeProvider();
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, TimeProvider = clock, KvLeaseDuration = Fleet.Lease });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, TimeProvider = clock });
        var routerShutItsSide = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using ScriptedPod held = HoldingPrefill(prefill, routerShutItsSide);
        await using PodPairRouter router = await PodPairRouter.StartAsync(held.BaseAddress, decode.BaseAddress, o => o with { DisconnectKvRelease = DisconnectKvRelease.Lease });

        await LeaveOncePrefillHoldsTheBlocksAsync(router, prefill, routerShutItsSide);

        // Done with the request, the router sent decode nothing: the blocks stay held until the lease.
        PrometheusText metrics = await MetricsOnceDoneAsync(router.ScrapeMetricsAsync);
        Assert.Equal(1, metrics.Single("fastrouter_client_disconnects_total", ("phase", "handoff")));
        Assert.Equal(0, metrics.Sum("fastrouter_decode_drains_total"));
        Assert.Equal(0, Fleet.Calls(decode));
        Assert.True(prefill.HeldKvBlocks > 0);
        Assert.Contains(router.Logs.Lines, l => l.EventId.Id == 20 && l.Message.Contains("left to the prefill's lease", StringComparison.Ordinal));

        clock.Advance(Fleet.Lease + TimeSpan.FromSeconds(1));
        Assert.True(await Eventually.TrueAsync(() => prefill.HeldKvBlocks == 0), "the lease did not free the blocks");
    }

    [Fact]
    public async Task MidStream_TheDecodeCallIsCancelledAtOnce()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), decodeInterTokenLatency: TimeSpan.FromMilliseconds(100));
        string body = "{\"model\":\"llama31-8b\",\"prompt\":\"x\",\"max_tokens\":200,\"stream\":true}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        using (HttpResponseMessage response = await harness.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Stream stream = await response.Content.ReadAsStreamAsync();
            Assert.True(await stream.ReadAsync(new byte[256]) > 0);
        }

        // Disposing the response closed the connection: the decode pod sees the abort well before its 20 s stream ends.
        Assert.True(await Eventually.TrueAsync(() => harness.Decode.Sum(d => d.Stats.ClientAborts) == 1, TimeSpan.FromSeconds(5)), "decode kept generating");
        Assert.Equal(0, harness.Decode.Sum(d => d.RunningRequests));
        Assert.Equal(0, Fleet.HeldBlocks(harness));
        PrometheusText metrics = await MetricsOnceDoneAsync(() => harness.ScrapeAsync());
        Assert.Equal(1, metrics.Single("fastrouter_client_disconnects_total", ("phase", "decode")));
        Assert.Equal(1, metrics.Sum("fastrouter_client_disconnects_total"));
        Assert.Equal(1, metrics.Single("fastrouter_backend_calls_total", ("role", "decode"), ("outcome", "cancelled")));
    }

    /// <summary>
    /// A prefill pod in front of a real prefill simulator: it passes the router's request on and takes the answer, so
    /// the simulator holds the KV blocks, but gives it to the router only once the router has shut its sending side
    /// of the connection, which the router does only when its client has left (PrefillAbortHook). So the router knows
    /// the client is gone before the params reach it, whatever the machine's load: the phase is certain.
    /// </summary>
    private static ScriptedPod HoldingPrefill(VllmSimulator prefill, TaskCompletionSource<bool> routerShutItsSide) => new(async (stream, request) =>
    {
        string path = request.Head[(request.Head.IndexOf(' ', StringComparison.Ordinal) + 1)..request.Head.IndexOf(" HTTP/", StringComparison.Ordinal)];
        using var http = new HttpClient { BaseAddress = prefill.BaseAddress };
        using HttpResponseMessage answer = await http.PostAsync(path, new StringContent(request.Body, Encoding.UTF8, "application/json"));
        string json = await answer.Content.ReadAsStringAsync();
        routerShutItsSide.TrySetResult(await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)) == 0);
        await ScriptedPod.WriteAsync(stream, ScriptedPod.JsonAnswer(json));
    });

    /// <summary>Sends a chat request and leaves once the prefill simulator holds its blocks; checks the router then shut its side.</summary>
    private static async Task LeaveOncePrefillHoldsTheBlocksAsync(PodPairRouter router, VllmSimulator prefill, TaskCompletionSource<bool> routerShutItsSide)
    {
        using (var leave = new CancellationTokenSource())
        {
            Task<HttpResponseMessage> sending = router.PostChatAsync(Fleet.ChatBody, HttpCompletionOption.ResponseContentRead, leave.Token);
            Assert.True(await Eventually.TrueAsync(() => prefill.HeldKvBlocks > 0), "the prefill never held the blocks");
            await leave.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        }

        Assert.True(await routerShutItsSide.Task.WaitAsync(TimeSpan.FromSeconds(30)), "the router did not shut its side of the prefill connection");
    }

    /// <summary>The router's metrics once it has finished the request (a moment after the pods are done with it).</summary>
    private static async Task<PrometheusText> MetricsOnceDoneAsync(Func<Task<string>> scrape)
    {
        PrometheusText metrics = PrometheusText.Parse(await scrape());
        for (DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15); metrics.Sum("fastrouter_requests_total") == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(20);
            metrics = PrometheusText.Parse(await scrape());
        }

        Assert.Equal(1, metrics.Sum("fastrouter_requests_total"));
        return metrics;
    }

    /// <summary>Sends a request, waits until <paramref name="moment"/>, then disconnects like a client that gave up.</summary>
    private static async Task SendAndLeaveAsync(RouterTestHarness harness, string path, string body, Func<bool> moment)
    {
        using var leave = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        Task<HttpResponseMessage> sending = harness.Client.SendAsync(request, leave.Token);
        Assert.True(await Eventually.TrueAsync(moment), "the request never reached the moment to leave");
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }
}
