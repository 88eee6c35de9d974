using System.Net.Http.Headers;
using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.AspNetCore.Builder;
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
    private const string StreamBody = "{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3,\"stream\":true}";
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task LastChunkInTheSameWriteAsTheLastEvent_EndsTheStreamAtOnce()
    {
        await using var pod = new ScriptedPod(async (stream, _) =>
        {
            await WriteAsync(stream, Headers, Event("{\"n\":1}"));
            await Task.Delay(150);
            await WriteAsync(stream, Event("{\"n\":2}"), Event("[DONE]"), LastChunk);
        });
        await using Router router = await Router.StartAsync(pod);

        string body = await router.StreamAsync().WaitAsync(Prompt);

        Assert.Equal(["{\"n\":1}", "{\"n\":2}", "[DONE]"], SseReader.Parse(body));
    }

    [Fact]
    public async Task LastChunkSplitAcrossWrites_EndsTheStreamWhenItsRestArrives()
    {
        await using var pod = new ScriptedPod(async (stream, _) =>
        {
            await WriteAsync(stream, Headers, Event("{\"n\":1}"));
            await Task.Delay(100);
            await WriteAsync(stream, Event("{\"n\":2}"), Event("[DONE]"), "0\r"u8.ToArray());
            await Task.Delay(150);
            await WriteAsync(stream, "\n\r\n"u8.ToArray());
        });
        await using Router router = await Router.StartAsync(pod);

        string body = await router.StreamAsync().WaitAsync(Prompt);

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
        await using Router router = await Router.StartAsync(pod);

        using HttpResponseMessage response = await router.SendStreamAsync();
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
            await Task.Delay(50);
            await WriteAsync(stream, Event("[DONE]"));
            await Task.Delay(50);
            await WriteAsync(stream, LastChunk);
        });
        await using Router router = await Router.StartAsync(pod);

        for (int request = 0; request < 3; request++)
        {
            string body = await router.StreamAsync().WaitAsync(Prompt);
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
            await Task.Delay(150);
            stream.Dispose();
        });
        await using Router router = await Router.StartAsync(pod);

        string body = await router.StreamAsync().WaitAsync(Prompt);

        List<string> events = SseReader.Parse(body);
        Assert.Equal("{\"n\":1}", events[0]);
        Assert.Contains("\"error\"", events[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", events);
    }

    /// <summary>The router in process, a simulator prefill pod and the scripted decode pod; timeouts long enough to expose hangs.</summary>
    private sealed class Router : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly VllmSimulator _prefill;
        private readonly HttpClient _client;

        private Router(WebApplication app, VllmSimulator prefill)
        {
            _app = app;
            _prefill = prefill;
            _client = new HttpClient { BaseAddress = RouterHost.GetListenAddress(app), Timeout = TimeSpan.FromMinutes(2) };
        }

        public static async Task<Router> StartAsync(ScriptedPod decode)
        {
            VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
            RouterOptions options = TestRouterOptions.For(
                [new StaticBackendOptions(prefill.BaseAddress, "llama31-8b", "prefill"), new StaticBackendOptions(decode.BaseAddress, "llama31-8b", "decode")]) with
            {
                StreamIdleTimeout = TimeSpan.FromMinutes(1),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            };
            WebApplication app = RouterHost.Build(options, new StaticDiscovery(options), _ => { });
            await app.StartAsync();
            return new Router(app, prefill);
        }

        public Task<HttpResponseMessage> SendStreamAsync()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(StreamBody, Encoding.UTF8) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }

        public async Task<string> StreamAsync()
        {
            using HttpResponseMessage response = await SendStreamAsync();
            Assert.Equal(200, (int)response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            await _prefill.DisposeAsync();
        }
    }
}
