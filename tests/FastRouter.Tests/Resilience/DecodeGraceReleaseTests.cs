using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using static FastRouter.Tests.Support.ScriptedAnswers;
using static FastRouter.Tests.Support.ScriptedPod;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// A client that leaves just after the decode body went out: the router gives the pod its 1 s grace to take the
/// request in, then cuts the call. A pod slower than that (here, one that never answers the first request) has not seen
/// the params, so they go out once more in a release drain, read to its end, and the prefill's blocks are freed.
/// </summary>
public sealed class DecodeGraceReleaseTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AClientLeavingWhileDecodeTakesTheRequestIn_HasItsParamsReleasedByADrain()
    {
        var decodeReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var prefill = new ScriptedPod((stream, _) => WriteAsync(stream, JsonAnswer(PrefillAnswer)));
        await using var decode = new ScriptedPod(async (stream, request) =>
        {
            if (request.Index == 0)
            {
                // A pod still busy with the request: no answer until the router closes the connection.
                decodeReceived.SetResult();
                await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(Prompt);
                return;
            }

            await WriteAsync(stream, Headers, Event(DecodeChunk), Event("[DONE]"), LastChunk);
        });
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, decode.BaseAddress);

        await router.PostChatAndLeaveAsync(ChatBody, decodeReceived.Task, Prompt);

        Assert.True(await Eventually.TrueAsync(() => decode.RequestCount == 2, Prompt), "no release drain followed the cut decode");
        string drain = decode.Bodies[1];
        Assert.Contains(BlockIds, drain, StringComparison.Ordinal);
        Assert.Contains("\"stream\":true", drain, StringComparison.Ordinal);
        Assert.Contains("\"max_tokens\":1", drain, StringComparison.Ordinal);
        Assert.Equal(1, prefill.RequestCount);

        Telemetry.PrometheusText metrics = await router.ScrapeMetricsOnceAsync(m => m.Sum("fastrouter_decode_drains_total") > 0, Prompt);

        Assert.Equal(1, metrics.Single("fastrouter_decode_drains_total", ("cause", "client_left")));
    }
}
