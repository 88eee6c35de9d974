using System.Text;
using System.Text.Json;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Aot;

/// <summary>The published native binary, run as a user runs it: simulator pods and the router as processes.</summary>
[Collection(AotCollection.Name)]
public sealed class AotBinaryTests(AotBinaryFixture fixture)
{
    /// <summary>What .NET names its epoll threads.</summary>
    private const string SocketThreadName = ".NET Sockets";

    private readonly string _binary = fixture.BinaryPath;

    [Fact]
    public async Task Version_Help_AndARefusedFlag_ExitAsDocumented()
    {
        var version = await NativeProcess.RunAsync(_binary, "--version");
        var help = await NativeProcess.RunAsync(_binary, "--help");
        var refused = await NativeProcess.RunAsync(_binary, "--static-aliases", "x");
        var badLogic = await NativeProcess.RunAsync(_binary, "--routing-logic", "roundrobin");

        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^fastrouter \d+\.\d+\.\d+", version.Output);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--static-backends", help.Output, StringComparison.Ordinal);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--static-aliases", refused.Output, StringComparison.Ordinal);
        Assert.Equal(2, badLogic.ExitCode);
    }

    [Fact]
    public async Task SeedArgsWithStaticDiscovery_ServeChatAndCompletions_StreamingAndNot()
    {
        await using Orchestrator pods = await Orchestrator.StartAsync(_binary, "debug");
        HttpClient client = pods.Client;

        using HttpResponseMessage health = await client.GetAsync("/health");
        using HttpResponseMessage chat = await client.PostAsync("/v1/chat/completions", Json(RequestBodies.Chat(5)));
        using HttpResponseMessage chatStream = await client.PostAsync("/v1/chat/completions", Json(RequestBodies.Chat(5, stream: true)));
        using HttpResponseMessage completion = await client.PostAsync("/v1/completions", Json(RequestBodies.Completion(3, prompt: "Hi")));
        using HttpResponseMessage completionStream = await client.PostAsync("/v1/completions", Json(RequestBodies.Completion(3, stream: true, prompt: "Hi")));
        using HttpResponseMessage bad = await client.PostAsync("/v1/completions", Json("{\"model\":"));

        Assert.Equal(200, (int)health.StatusCode);
        Assert.Equal(200, (int)chat.StatusCode);
        using (JsonDocument answer = JsonDocument.Parse(await chat.Content.ReadAsStringAsync()))
        {
            Assert.Equal("The quick brown fox jumps", answer.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        }

        Assert.Equal("text/event-stream; charset=utf-8", chatStream.Content.Headers.ContentType?.ToString());
        Assert.Equal("[DONE]", SseReader.Parse(await chatStream.Content.ReadAsStringAsync())[^1]);
        Assert.Equal(200, (int)completion.StatusCode);
        Assert.Equal("[DONE]", SseReader.Parse(await completionStream.Content.ReadAsStringAsync())[^1]);
        await OpenAiErrorAssert.IsErrorAsync(bad, 400, "BadRequestError");

        // Every handoff pulled its KV: nothing is left held on the prefill pod.
        Assert.Equal(0, await pods.HeldKvBlocksAsync());
        // Log lines reach standard output from the log writer's thread, a moment after the answers.
        Assert.True(
            await Eventually.TrueAsync(() => pods.Router.Output.Contains("Orchestrated request completed", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "no completion line:\n" + pods.Router.Output);

        // The product runs with the runtime settings its CPU and memory figures were measured with.
        int socketThreads = Math.Max(1, Environment.ProcessorCount / 2);
        string runtime = $"Runtime: inline socket completions True, socket threads {socketThreads}, inline Kestrel scheduling True, workstation GC, concurrent GC False";
        Assert.True(await Eventually.TrueAsync(() => pods.Router.Output.Contains(runtime, StringComparison.Ordinal), TimeSpan.FromSeconds(10)), pods.Router.Output);
        Assert.Equal(socketThreads, pods.Router.CountThreadsNamed(SocketThreadName));
    }

    /// <summary>The in-process <c>MutatedRequestTests</c>, against the product: fewer cases, the same checks.</summary>
    [Fact]
    public async Task HostileRequests_GetACompletionOrAnOpenAiClientError_AndStrandNoKv()
    {
        await using Orchestrator pods = await Orchestrator.StartAsync(_binary, "warning");
        var random = new Random(7);
        int served = 0;
        for (int i = 0; i < 120; i++)
        {
            (string path, byte[] body) = HostileRequests.Next(random);
            if (await HostileRequests.SendAndCheckAsync(pods.Client, path, body, $"seed 7, case {i}"))
            {
                served++;
            }
        }

        Assert.True(served > 0, "no request was served");

        // A decode pod that turned a request down was sent the params again, to pull the blocks: none stay held.
        Assert.Equal(0, await pods.HeldKvBlocksOnceSettledAsync());
        Assert.DoesNotContain("Unhandled exception", pods.Router.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The in-process <c>FailoverTests.AnUnreachableDecodePod_…</c>, against the product: requests that meet a decode
    /// pod nothing listens on are served by the other, and the params of their first attempt, which never left the
    /// router, are sent there to free their blocks (the pods' lease is 30 s, far longer than the test).
    /// </summary>
    [Fact]
    public async Task AnUnreachableDecodePod_FailsNoRequest_AndStrandsNoKv()
    {
        await using Orchestrator pods = await Orchestrator.StartWithUnreachableDecodeAsync(_binary, "info");
        for (int i = 0; i < 4; i++)
        {
            using HttpResponseMessage response = await pods.Client.PostAsync("/v1/chat/completions", Json(RequestBodies.Chat(5)));
            Assert.Equal(200, (int)response.StatusCode);
        }

        Assert.Equal(0, await pods.HeldKvBlocksOnceSettledAsync());
        const string Unreached = "could not be reached, so no decode pod took the prefill's params: decode sent the params and its answer was read";
        Assert.True(await Eventually.TrueAsync(() => pods.Router.Output.Contains(Unreached, StringComparison.Ordinal), TimeSpan.FromSeconds(10)), pods.Router.Output);
    }

    /// <summary>
    /// The in-process <c>RandomDisconnectTests</c>, against the product, whose prefill calls are stopped by shutting
    /// the connection's sending side: clients that give up at random moments leave no KV block held (the pods' lease
    /// is 30 s, far longer than the test). Every choice comes from the seed (<see cref="GiveUpPlan"/>): a failure names
    /// it, and an InlineData of it replays the run.
    /// </summary>
    [Theory]
    [InlineData(11)]
    public async Task ClientsLeavingAtRandom_StrandNoKv(int seed)
    {
        await using Orchestrator pods = await Orchestrator.StartAsync(_binary, "warning", "--itl-ms", "2");
        int left = 0;
        foreach (GiveUpPlan plan in GiveUpPlan.Draw(seed, 150))
        {
            if (await GivingUpClient.SendAndMaybeLeaveAsync(pods.Client, plan))
            {
                left++;
            }
        }

        Assert.True(left > 0, $"seed {seed}: no client left early");
        int held = await pods.HeldKvBlocksOnceSettledAsync();
        Assert.True(held == 0, $"seed {seed}: {held} KV blocks still held");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task APortInUse_IsAnErrorLine_AndExitCode1_NotACrash(bool demo)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        string port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] args = demo
            ? ["--demo", "--host", "127.0.0.1", "--port", port]
            : ["--host", "127.0.0.1", "--port", port, "--service-discovery", "static", "--static-backends", "http://127.0.0.1:1,http://127.0.0.1:2",
               "--static-model-labels", "prefill,decode", "--routing-logic", "disaggregated_prefill_orchestrated",
               "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"];

        var (exitCode, output) = await NativeProcess.RunAsync(_binary, args);

        Assert.Equal(1, exitCode);
        Assert.Contains("fastrouter: error: could not start listening: ", output, StringComparison.Ordinal);
        Assert.Contains("address already in use", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3", null, 3)]
    [InlineData(null, "2", 2)]
    public async Task SocketThreads_FollowTheFlag_ElseTheOperatorsVariable(string? flag, string? variable, int expected)
    {
        int port = FreePort.Get();
        var environment = new Dictionary<string, string>();
        if (variable is not null)
        {
            environment["DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"] = variable;
        }

        string[] args = ["--demo", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        using NativeProcess demo = NativeProcess.Start(_binary, environment, flag is null ? args : [.. args, "--socket-threads", flag]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        await demo.WaitUntilServingAsync(client, "/health");

        Assert.True(await Eventually.TrueAsync(() => demo.Output.Contains($"socket threads {expected},", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), demo.Output);
        Assert.Equal(expected, demo.CountThreadsNamed(SocketThreadName));
    }

    [Fact]
    public async Task Demo_ServesAStreamingChat()
    {
        int port = FreePort.Get();
        using NativeProcess demo = NativeProcess.Start(_binary, "--demo", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        await demo.WaitUntilServingAsync(client, "/health");

        using HttpResponseMessage response = await client.PostAsync("/v1/chat/completions", Json(RequestBodies.Chat(3, stream: true)));
        List<string> events = SseReader.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("[DONE]", events[^1]);
        Assert.Contains("curl", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnIgnoredFlagsWarning_PrintsItsPrefixOnce()
    {
        int port = FreePort.Get();
        using NativeProcess demo = NativeProcess.Start(
            _binary, "--demo", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--request-rewriter", "noop");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        await demo.WaitUntilServingAsync(client, "/health");

        string warning = Assert.Single(demo.Output.Split('\n'), line => line.Contains("--request-rewriter", StringComparison.Ordinal));
        Assert.StartsWith("fastrouter: warning: --request-rewriter noop ", warning, StringComparison.Ordinal);
        Assert.Equal(1, warning.Split("warning:").Length - 1);
    }

    /// <summary>The JSON line formatter's pooled buffers, stack-formatted timestamp and pooled field names, in the native binary.</summary>
    [Fact]
    public async Task JsonLogs_AreOneObjectPerLine_WithTheRequestsFieldsInSnakeCase()
    {
        int port = FreePort.Get();
        using NativeProcess demo = NativeProcess.Start(
            _binary, "--demo", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-format", "json", "--log-level", "debug");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        await demo.WaitUntilServingAsync(client, "/health");

        using HttpResponseMessage response = await client.PostAsync("/v1/chat/completions", Json(RequestBodies.Chat(3)));
        Assert.Equal(200, (int)response.StatusCode);

        // The console logger writes from its own thread: wait for the request's last line.
        Assert.True(
            await Eventually.TrueAsync(() => demo.Output.Contains("Orchestrated request completed", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "no completion line:\n" + demo.Output);

        var requestLines = new List<JsonElement>();
        foreach (string line in demo.Output.Split('\n'))
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement.Clone();
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", root.GetProperty("timestamp").GetString());
            if (root.TryGetProperty("request_id", out _))
            {
                requestLines.Add(root);
            }
        }

        Assert.Contains(requestLines, l => l.GetProperty("message").GetString()!.Contains("Orchestrated request completed", StringComparison.Ordinal));
        Assert.Contains(requestLines, l => l.TryGetProperty("endpoint", out _));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
