using System.Text.Json;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// Decode turns down a request prefill accepted: prefill ran it for one token, so a value only the decode leg
/// carries (here <c>max_tokens</c> past the model's context window, vLLM's most common 400) reaches a pod only at
/// decode. The client gets decode's own error, and the prefill pod's KV blocks for the request must not wait for
/// a lease (protocol.md §6).
/// </summary>
public sealed class DecodeRejectionTests
{
    /// <summary>8,192 tokens is the simulator's context window; prefill is sent one.</summary>
    private static readonly string PastTheContextWindow = RequestBodies.Chat(10000);

    [Fact]
    public async Task DecodeRejects_ItsErrorIsTheAnswer_AndThePrefillsBlocksAreFreed()
    {
        var clock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(clock);

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", PastTheContextWindow);

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 400, "BadRequestError");
        Assert.Contains("maximum context length", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The pods' clock stands still, so no lease can have freed the blocks: decode was told.
        Assert.True(await Eventually.TrueAsync(() => Fleet.HeldBlocks(harness) == 0), "the prefill's blocks stayed held: " + Fleet.HeldBlocks(harness));
        RecordedRequest[] decodeCalls = [.. harness.Decode.SelectMany(d => d.ReceivedRequests).Where(r => r.Path == "/v1/chat/completions")];
        Assert.Equal(2, decodeCalls.Length);
        using JsonDocument drain = JsonDocument.Parse(decodeCalls[1].Body);
        Assert.Equal(1, drain.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.True(drain.RootElement.GetProperty("stream").GetBoolean());
        Assert.Equal(JsonValueKind.Object, drain.RootElement.GetProperty("kv_transfer_params").ValueKind);
        Assert.True(await Eventually.TrueAsync(() => harness.Decode.Sum(d => d.Stats.KvPullsSucceeded) == 1), "decode did not pull the blocks");
        Assert.True(
            await Eventually.TrueAsync(() => harness.Logs.Lines.Any(l => l.EventId.Id == 21 && l.Message.StartsWith("Decode turned the request down after prefill: decode sent the params", StringComparison.Ordinal))),
            "the release was not logged");
    }

    [Fact]
    public async Task DecodeRejects_WithTheLeasePolicy_TheBlocksWaitForTheLease()
    {
        var clock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(clock, o => o with { DisconnectKvRelease = DisconnectKvRelease.Lease });

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", PastTheContextWindow);

        await OpenAiErrorAssert.IsErrorAsync(response, 400, "BadRequestError");
        Assert.True(Fleet.HeldBlocks(harness) > 0);
        Assert.Equal(1, harness.Decode.Sum(Fleet.Calls));
        clock.Advance(Fleet.Lease);
        Assert.True(await Eventually.TrueAsync(() => Fleet.HeldBlocks(harness) == 0), "the lease did not free the blocks");
    }
}
