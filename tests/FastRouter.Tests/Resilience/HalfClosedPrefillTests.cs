using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
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
    private const string ChatBody = "{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3}";
    private const string BlockIds = "\"remote_block_ids\":[[41,42]]";
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
        await using Router router = await Router.StartAsync(prefill, decode);

        try
        {
            using (var leaving = new CancellationTokenSource())
            {
                Task<HttpResponseMessage> send = router.PostAsync(leaving.Token);
                await firstReceived.Task.WaitAsync(Prompt);
                await leaving.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
            }

            Assert.True(await endOfStreamRead.Task.WaitAsync(Prompt), "the router did not shut its side of the prefill connection");

            // The params of the answer that came after the half-close were sent to decode, to free their blocks.
            Assert.True(await Eventually.TrueAsync(() => decode.RequestCount == 1), "decode was not told to release the blocks");
            Assert.Contains(BlockIds, decode.Bodies[0], StringComparison.Ordinal);

            // The next request gets a new prefill connection and succeeds on its first try.
            using HttpResponseMessage next = await router.PostAsync(CancellationToken.None).WaitAsync(Prompt);
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

    private const string PrefillAnswer =
        "{\"id\":\"cmpl-p\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":\"length\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4},"
        + "\"kv_transfer_params\":{\"do_remote_prefill\":true,\"do_remote_decode\":false," + BlockIds + ",\"remote_engine_id\":\"scripted\",\"remote_host\":\"127.0.0.1\",\"remote_port\":1}}";

    private const string DecodeAnswer =
        "{\"id\":\"cmpl-d\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";

    private const string DecodeChunk =
        "{\"id\":\"cmpl-d\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"length\"}]}";

    /// <summary>The router in process between the two scripted pods; a minute for every timeout, so a wrong turn hangs rather than passes.</summary>
    private sealed class Router : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _client;

        private Router(WebApplication app, CapturingLoggerProvider logs)
        {
            _app = app;
            Logs = logs;
            _client = new HttpClient { BaseAddress = RouterHost.GetListenAddress(app), Timeout = TimeSpan.FromMinutes(2) };
        }

        public CapturingLoggerProvider Logs { get; }

        public static async Task<Router> StartAsync(ScriptedPod prefill, ScriptedPod decode)
        {
            RouterOptions options = TestRouterOptions.For(
                [new StaticBackendOptions(prefill.BaseAddress, "llama31-8b", "prefill"), new StaticBackendOptions(decode.BaseAddress, "llama31-8b", "decode")]) with
            {
                PrefillTimeout = TimeSpan.FromMinutes(1),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            };
            var logs = new CapturingLoggerProvider();
            WebApplication app = RouterHost.Build(options, new StaticDiscovery(options), logging => logging.AddProvider(logs));
            await app.StartAsync();
            return new Router(app, logs);
        }

        public Task<HttpResponseMessage> PostAsync(CancellationToken cancellationToken)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(ChatBody, Encoding.UTF8) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return _client.SendAsync(request, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
