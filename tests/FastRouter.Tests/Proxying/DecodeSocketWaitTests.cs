using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using static FastRouter.Tests.Support.ScriptedPod;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// The relay waits for paced events on the decode connection's socket once HttpClient has nothing buffered
/// (BackendConnectionStream). These pin the cases where that wait could go wrong: an answer whose last chunk comes
/// with its last event, or split across writes, a connection reused after a stream, a pod that drops the connection
/// mid-wait, and events that must each reach the client before the pod sends the next. The pods keep connections
/// open and the router's timeouts are a minute, so a wrong wait shows as a hang, not as a slow pass.
/// </summary>
public sealed class DecodeSocketWaitTests
{
    private static readonly string StreamBody = RequestBodies.Chat(3, stream: true, content: "hi");
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A pod's pause between writes. Real time is what these tests need: a pause the relay sees as an empty
    /// HttpClient buffer, so it is waiting on the socket when the rest arrives. No clock of the router's is involved.
    /// </summary>
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(150);

    [Fact]
    public async Task LastChunkInTheSameWriteAsTheLastEvent_EndsTheStreamAtOnce()
    {
        await using var pod = new ScriptedPod(async (stream, _) =>
        {
            await WriteAsync(stream, Headers, Event("{\"n\":1}"));
            await Task.Delay(Pause);
            await WriteAsync(stream, Event("{\"n\":2}"), Event("[DONE]"), LastChunk);
        });
        await using VllmSimulator prefill = await StartPrefillAsync();
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, pod.BaseAddress);

        string body = await StreamAsync(router).WaitAsync(Prompt);

        Assert.Equal(["{\"n\":1}", "{\"n\":2}", "[DONE]"], SseReader.Parse(body));
    }

    [Fact]
    public async Task LastChunkSplitAcrossWrites_EndsTheStreamWhenItsRestArrives()
    {
        await using var pod = new ScriptedPod(async (stream, _) =>
        {
            await WriteAsync(stream, Headers, Event("{\"n\":1}"));
            await Task.Delay(Pause);
            await WriteAsync(stream, Event("{\"n\":2}"), Event("[DONE]"), "0\r"u8.ToArray());
            await Task.Delay(Pause);
            await WriteAsync(stream, "\n\r\n"u8.ToArray());
        });
        await using VllmSimulator prefill = await StartPrefillAsync();
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, pod.BaseAddress);

        string body = await StreamAsync(router).WaitAsync(Prompt);

        Assert.Equal(["{\"n\":1}", "{\"n\":2}", "[DONE]"], SseReader.Parse(body));
    }

    [Fact]
    public async Task PacedEvents_EachReachesTheClientBeforeThePodSendsTheNext()
    {
        const int Events = 20;
        var received = new TaskCompletionSource[Events];
        for (int i = 0; i < Events; i++)
        {
            received[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        int heldBack = 0;
        await using var pod = new ScriptedPod(async (stream, _) =>
        {
            await WriteAsync(stream, Headers);
            for (int i = 0; i < Events; i++)
            {
                await WriteAsync(stream, Event("{\"n\":" + i + "}"));
                if (!await received[i].Task.WaitAsync(Prompt).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default))
                {
                    Interlocked.Increment(ref heldBack);
                }
            }

            await WriteAsync(stream, Event("[DONE]"), LastChunk);
        });
        await using VllmSimulator prefill = await StartPrefillAsync();
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, pod.BaseAddress);

        using HttpResponseMessage response = await SendStreamAsync(router);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        int seen = 0;
        while (await reader.ReadLineAsync().WaitAsync(Prompt * 3) is string line)
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal))
            {
                received[seen++].SetResult();
            }
        }

        Assert.Equal(Events, seen);
        Assert.Equal(0, heldBack);
    }

    [Fact]
    public async Task ConnectionReusedAfterAStream_ServesTheNextStreams()
    {
        await using var pod = new ScriptedPod(async (stream, request) =>
        {
            await WriteAsync(stream, Headers, Event("{\"r\":" + request.Index + "}"));
            await Task.Delay(Pause / 3);
            await WriteAsync(stream, Event("[DONE]"));
            await Task.Delay(Pause / 3);
            await WriteAsync(stream, LastChunk);
        });
        await using VllmSimulator prefill = await StartPrefillAsync();
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, pod.BaseAddress);

        for (int request = 0; request < 3; request++)
        {
            string body = await StreamAsync(router).WaitAsync(Prompt);
            Assert.Equal(["{\"r\":" + request + "}", "[DONE]"], SseReader.Parse(body));
        }

        Assert.Equal(1, pod.ConnectionCount);
    }

    [Fact]
    public async Task PodClosesTheConnectionWhileTheRelayWaits_ClientGetsAnErrorEventWithoutDone()
    {
        await using var pod = new ScriptedPod(async (stream, _) =>
        {
            await WriteAsync(stream, Headers, Event("{\"n\":1}"));
            await Task.Delay(Pause);
            stream.Dispose();
        });
        await using VllmSimulator prefill = await StartPrefillAsync();
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, pod.BaseAddress);

        string body = await StreamAsync(router).WaitAsync(Prompt);

        List<string> events = SseReader.Parse(body);
        Assert.Equal("{\"n\":1}", events[0]);
        Assert.Contains("\"error\"", events[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", events);
    }

    private static Task<HttpResponseMessage> SendStreamAsync(PodPairRouter router) =>
        router.PostChatAsync(StreamBody, HttpCompletionOption.ResponseHeadersRead);

    private static async Task<string> StreamAsync(PodPairRouter router)
    {
        using HttpResponseMessage response = await SendStreamAsync(router);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static Task<VllmSimulator> StartPrefillAsync() => VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
}
