using System.Diagnostics;
using System.Text.Json;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Configuration;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using static FastRouter.Tests.Support.ScriptedPod;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// --stream-idle-timeout: a decode pod that falls silent after its answer began is cut once it has said nothing for
/// that long, and the client is told (an error event without [DONE], or a cut JSON body); a pod that keeps talking
/// is never cut, however long its answer runs. The scripted decode pod stays silent until the test ends.
/// </summary>
public sealed class StreamIdleTimeoutTests
{
    private const string StreamBody = "{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3,\"stream\":true}";
    private const string JsonBody = "{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3}";

    [Fact]
    public async Task ADecodeStreamFallingSilent_IsCutAfterTheIdleTimeout_WithAnErrorEventAndNoDone()
    {
        using var silence = new CancellationTokenSource();
        var silentSince = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pod = new ScriptedPod(async (stream, _) =>
        {
            await WriteAsync(stream, Headers, Event("{\"n\":1}"));
            silentSince.TrySetResult(Stopwatch.GetTimestamp());
            await Task.Delay(Timeout.InfiniteTimeSpan, silence.Token);
        });
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, pod.BaseAddress, IdleTimeoutFromFlag("1"));

        using HttpResponseMessage response = await router.PostChatAsync(StreamBody, HttpCompletionOption.ResponseHeadersRead);
        string body = await response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(30));
        TimeSpan silent = Stopwatch.GetElapsedTime(await silentSince.Task);
        await silence.CancelAsync();

        Assert.Equal(200, (int)response.StatusCode);
        List<string> events = SseReader.Parse(body);
        Assert.Equal("{\"n\":1}", events[0]);
        Assert.DoesNotContain("[DONE]", events);
        using JsonDocument last = JsonDocument.Parse(events[^1]);
        JsonElement error = last.RootElement.GetProperty("error");
        Assert.Contains("stream idle timeout", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(504, error.GetProperty("code").GetInt32());
        Assert.Contains(router.Logs.Lines, l => l.EventId.Id == 15);

        // Cut after the pod's second of silence, not before, and not left hanging.
        Assert.True(silent >= TimeSpan.FromSeconds(0.9), $"cut after {silent.TotalSeconds:F2} s of silence");
        Assert.True(silent < TimeSpan.FromSeconds(20), $"cut after {silent.TotalSeconds:F2} s of silence");
    }

    [Fact]
    public async Task ADecodeJsonAnswerFallingSilent_IsCut_SoItCannotPassForComplete()
    {
        using var silence = new CancellationTokenSource();
        const string Json = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}";
        await using var pod = new ScriptedPod(async (stream, _) =>
        {
            byte[] answer = JsonAnswer(Json);
            await WriteAsync(stream, answer[..^10]);
            await Task.Delay(Timeout.InfiniteTimeSpan, silence.Token);
        });
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, pod.BaseAddress, IdleTimeoutFromFlag("1"));

        using HttpResponseMessage response = await router.PostChatAsync(JsonBody, HttpCompletionOption.ResponseHeadersRead);
        Exception? cut = await Record.ExceptionAsync(() => response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        await silence.CancelAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(cut is HttpRequestException or IOException, "the cut body read as complete: " + cut);
        Assert.Contains(router.Logs.Lines, l => l.EventId.Id == 15);
    }

    [Fact]
    public async Task AStreamThatKeepsTalking_RunsPastTheIdleTimeout_ForThereIsNoTotalTimeout()
    {
        await using var pod = new ScriptedPod(async (stream, _) =>
        {
            await WriteAsync(stream, Headers);
            for (int n = 1; n <= 8; n++)
            {
                await WriteAsync(stream, Event("{\"n\":" + n + "}"));
                await Task.Delay(300);
            }

            await WriteAsync(stream, Event("[DONE]"), LastChunk);
        });
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, pod.BaseAddress, IdleTimeoutFromFlag("1.5"));

        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = await router.PostChatAsync(StreamBody, HttpCompletionOption.ResponseHeadersRead);
        List<string> events = SseReader.Parse(await response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        clock.Stop();

        // About 2.4 s in all, longer than the timeout: only silence counts.
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1.5), $"the stream took only {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(9, events.Count);
        Assert.Equal("[DONE]", events[^1]);
        Assert.DoesNotContain(router.Logs.Lines, l => l.EventId.Id == 15);
    }

    /// <summary>The idle timeout as --stream-idle-timeout gives it.</summary>
    private static Func<RouterOptions, RouterOptions> IdleTimeoutFromFlag(string seconds)
    {
        TimeSpan parsed = CommandLineTestHelpers.AssertRuns(CommandLineTestHelpers.ParseWith("--stream-idle-timeout", seconds)).StreamIdleTimeout;
        return options => options with { StreamIdleTimeout = parsed };
    }
}
