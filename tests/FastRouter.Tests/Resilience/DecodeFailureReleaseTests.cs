using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// A decode pod that fails before it answers may not have pulled the prefill's blocks: the router sends the spent
/// params once more, in a one-token release drain, to another decode pod or, with none, to the same one, so no block
/// waits for the prefill's lease (30 s, or 480 s on 2025 vLLM builds). The pods' clock stands still, so only the
/// drain can have freed them.
/// </summary>
public sealed class DecodeFailureReleaseTests
{
    public static TheoryData<string, int> Faults => new()
    {
        { "ResetConnection", 2 },
        { "Status500", 2 },
        { "Hang", 2 },
        { "ResetConnection", 1 },
        { "Status500", 1 },
        { "Hang", 1 },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task ADecodeFailingBeforeItAnswers_HasItsParamsReleased_AndTheRetryIsServed(string fault, int decodePods)
    {
        var clock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(
            clock, o => fault == "Hang" ? o with { DecodeFirstByteTimeout = TimeSpan.FromSeconds(1.5) } : o, decodePods: decodePods);
        harness.Decode[0].Faults.Set(Enum.Parse<SimulatorFaultMode>(fault), count: 1);

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);
        string answer = await response.Content.ReadAsStringAsync();

        Assert.True(200 == (int)response.StatusCode, answer);
        Assert.Equal(0, harness.Prefill.Sum(p => p.HeldKvLeases));
        Assert.Equal(0, Fleet.HeldBlocks(harness));

        // The failed attempt's params went out twice: to the failed pod, then in a drain, to the other pod when
        // there is one; the retry came with a prefill of its own.
        string cause = fault switch { "ResetConnection" => "decode_reset", "Status500" => "decode_server_error", _ => "decode_timeout" };
        string metrics = await harness.Client.GetStringAsync("/metrics");
        string[] drains = [.. metrics.Split('\n').Where(l => l.StartsWith("fastrouter_decode_drains_total{", StringComparison.Ordinal))];
        Assert.Equal(["fastrouter_decode_drains_total{cause=\"" + cause + "\"} 1"], drains);
        Assert.Equal(2, harness.Prefill.Sum(Fleet.Calls));
        RecordedRequest failed = harness.Decode[0].ReceivedRequests.First(r => r.Path == "/v1/chat/completions");
        VllmSimulator drainPod = harness.Decode[decodePods - 1];
        RecordedRequest[] drainPodCalls = [.. drainPod.ReceivedRequests.Where(r => r.Path == "/v1/chat/completions" && r != failed)];
        Assert.Equal(2, drainPodCalls.Length);
        using JsonDocument first = JsonDocument.Parse(failed.Body);
        using JsonDocument drain = JsonDocument.Parse(drainPodCalls[0].Body);
        using JsonDocument retry = JsonDocument.Parse(drainPodCalls[1].Body);
        Assert.Equal(1, drain.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.True(drain.RootElement.GetProperty("stream").GetBoolean());
        Assert.Equal(first.RootElement.GetProperty("kv_transfer_params").GetRawText(), drain.RootElement.GetProperty("kv_transfer_params").GetRawText());
        Assert.NotEqual(first.RootElement.GetProperty("kv_transfer_params").GetRawText(), retry.RootElement.GetProperty("kv_transfer_params").GetRawText());
        Assert.Equal(4, retry.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal(2, drainPod.Stats.KvPullsSucceeded);
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id is 40 or 41 or 42 && l.Message.Contains("decode sent the params and its answer was read", StringComparison.Ordinal));
    }
}
