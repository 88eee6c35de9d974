using System.Text;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

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
    }

    [Fact]
    public async Task AfterPrefillBeforeDecode_DecodeIsToldAndReleasesTheBlocks()
    {
        var clock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(clock);
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.SlowAnswerBody, count: 1, delay: TimeSpan.FromSeconds(5));

        // The prefill pod has answered 200 and holds the blocks while its body waits on the pods' clock.
        await SendAndLeaveAsync(harness, "/v1/chat/completions", Fleet.ChatBody, () => harness.Prefill[0].HeldKvBlocks > 0);
        bool drained = await ReleaseTheBodyAsync(clock, harness);

        // Whichever way the router learnt of the disconnect, decode freed the blocks and nothing keeps running.
        Assert.True(await Eventually.TrueAsync(() => Fleet.HeldBlocks(harness) == 0), "the prefill's blocks stayed held");
        Assert.True(await Eventually.TrueAsync(() => harness.Decode.Sum(d => d.RunningRequests) == 0), "decode kept running");
        RecordedRequest decode = Assert.Single(harness.Decode.SelectMany(d => d.ReceivedRequests), r => r.Path == "/v1/chat/completions");
        if (drained)
        {
            string body = Encoding.UTF8.GetString(decode.Body);
            Assert.Contains("\"max_tokens\":1", body, StringComparison.Ordinal);
            Assert.Contains("\"stream\":true", body, StringComparison.Ordinal);
            Assert.Contains("\"kv_transfer_params\":{", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AfterPrefillBeforeDecode_WithTheLeasePolicy_TheBlocksWaitForTheLease()
    {
        var clock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(clock, o => o with { DisconnectKvRelease = DisconnectKvRelease.Lease });
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.SlowAnswerBody, count: 1, delay: TimeSpan.FromSeconds(5));

        await SendAndLeaveAsync(harness, "/v1/chat/completions", Fleet.ChatBody, () => harness.Prefill[0].HeldKvBlocks > 0);
        if (await ReleaseTheBodyAsync(clock, harness))
        {
            Assert.Equal(0, harness.Decode.Sum(Fleet.Calls));
            Assert.True(Fleet.HeldBlocks(harness) > 0);
        }

        clock.Advance(Fleet.Lease);
        Assert.True(await Eventually.TrueAsync(() => Fleet.HeldBlocks(harness) == 0), "the lease did not free the blocks");
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
    }

    /// <summary>
    /// Lets the paused prefill body go, once the router has had a moment to see the client's disconnect (Kestrel
    /// notices a closed connection within milliseconds, or later on a loaded machine). Advances the pods' clock
    /// 5 s at a time, since the pause's timer may be armed just after the blocks are held, never reaching the 30 s
    /// lease. Returns true when the router noticed before decode (it logged the release); false when it noticed
    /// only once decode had begun, which is just as safe: the decode call is then cancelled with the client.
    /// </summary>
    private static async Task<bool> ReleaseTheBodyAsync(ManualTimeProvider clock, RouterTestHarness harness)
    {
        await Task.Delay(300);
        for (int step = 0; step < 5; step++)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            if (await Eventually.TrueAsync(() => harness.Logs.Lines.Any(l => l.EventId.Id is 20 or 7), TimeSpan.FromMilliseconds(500)))
            {
                return await Eventually.TrueAsync(() => harness.Logs.Lines.Any(l => l.EventId.Id == 20), TimeSpan.FromSeconds(2));
            }
        }

        Assert.Fail("the prefill answer never reached the router:\n" + string.Join("\n", harness.Logs.Lines.Select(l => l.EventId.Id + " " + l.Message)));
        return false;
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
