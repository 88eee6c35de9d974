using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.Extensions.Logging;
using static FastRouter.Tests.Support.ScriptedAnswers;
using static FastRouter.Tests.Support.ScriptedPod;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// A client that leaves during prefill makes the router shut only its sending side of the prefill connection
/// (PrefillAbortHook). These pin, with a pod that answers only once it has read that end of stream and then keeps
/// the connection open, what the random-disconnect tests can only hit by chance: the answer that comes after the
/// half-close still reaches decode, whose call frees the blocks, and the half-closed connection is never lent to
/// the next request.
/// </summary>
public sealed class HalfClosedPrefillTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AnswerAfterTheHalfClose_ReachesDecode_AndTheConnectionIsNotReused()
    {
        var firstReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var endOfStreamRead = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var keepOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var prefill = new ScriptedPod(async (stream, request) =>
        {
            if (request.Index == 0)
            {
                // Answer only once the router has shut its side, then hold the connection open as a pod that has not
                // yet noticed would: only the router can keep it out of the pool.
                firstReceived.SetResult();
                bool ended = await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(Prompt) == 0;
                endOfStreamRead.SetResult(ended);
                await WriteAsync(stream, JsonAnswer(PrefillAnswer));
                await keepOpen.Task;
                return;
            }

            await WriteAsync(stream, JsonAnswer(PrefillAnswer));
        });
        await using var decode = new ScriptedPod(async (stream, request) =>
        {
            if (request.Body.Contains("\"stream\":true", StringComparison.Ordinal))
            {
                await WriteAsync(stream, Headers, Event(DecodeChunk), Event("[DONE]"), LastChunk);
                return;
            }

            await WriteAsync(stream, JsonAnswer(DecodeAnswer));
        });
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, decode.BaseAddress);

        try
        {
            await router.PostChatAndLeaveAsync(ChatBody, firstReceived.Task, Prompt);

            Assert.True(await endOfStreamRead.Task.WaitAsync(Prompt), "the router did not shut its side of the prefill connection");

            // The params of the answer that came after the half-close were sent to decode, to free their blocks.
            Assert.True(await Eventually.TrueAsync(() => decode.RequestCount == 1), "decode was not told to release the blocks");
            Assert.Contains(BlockIds, decode.Bodies[0], StringComparison.Ordinal);

            // The next request gets a new prefill connection and succeeds on its first try.
            using HttpResponseMessage next = await router.PostChatAsync(ChatBody, HttpCompletionOption.ResponseContentRead).WaitAsync(Prompt);
            Assert.Equal(200, (int)next.StatusCode);
            Assert.Equal(2, prefill.ConnectionCount);
            Assert.Equal(2, prefill.RequestCount);
            Assert.Empty(router.Logs.Lines.Where(line => line.Level >= LogLevel.Warning).Select(line => line.Message));
        }
        finally
        {
            keepOpen.SetResult();
        }
    }

    /// <summary>
    /// A pod that aborts the request once the router shut its side may still answer, without params. That is the
    /// client leaving during prefill, counted as such: not a prefill that returned no kv_transfer_params (a
    /// misbehaving pod, and a warning), nor a disconnect between the legs.
    /// </summary>
    [Fact]
    public async Task AnAnswerWithoutParamsAfterTheHalfClose_IsAPrefillDisconnect_NotMissingParams()
    {
        const string Aborted =
            "{\"id\":\"cmpl-p\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"abort\"}]}";
        var firstReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var prefill = new ScriptedPod(async (stream, request) =>
        {
            firstReceived.SetResult();
            await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(Prompt);
            await WriteAsync(stream, JsonAnswer(Aborted));
            answered.SetResult();
        });
        await using var decode = new ScriptedPod((stream, _) => WriteAsync(stream, JsonAnswer(DecodeAnswer)));
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, decode.BaseAddress);

        await router.PostChatAndLeaveAsync(ChatBody, firstReceived.Task, Prompt);

        await answered.Task.WaitAsync(Prompt);
        // The request is counted when the router is done with it, a moment after the pod answered.
        Telemetry.PrometheusText metrics = await router.ScrapeMetricsOnceAsync(m => m.Sum("fastrouter_requests_total") > 0, Prompt);

        Assert.Equal(1, metrics.Sum("fastrouter_requests_total"));
        Assert.Equal(1, metrics.Sum("fastrouter_client_disconnects_total", ("phase", "prefill")));
        Assert.Equal(0, metrics.Sum("fastrouter_client_disconnects_total", ("phase", "handoff")));
        Assert.Equal(0, metrics.Sum("fastrouter_missing_kv_params_total"));
        Assert.Equal(0, decode.RequestCount);
        Assert.Empty(router.Logs.Lines.Where(line => line.Level >= LogLevel.Warning).Select(line => line.Message));
    }
}
