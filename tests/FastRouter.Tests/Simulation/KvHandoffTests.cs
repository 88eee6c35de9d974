using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using static FastRouter.Tests.Simulation.SimulatorHttp;

namespace FastRouter.Tests.Simulation;

/// <summary>The prefill -> decode flow of protocol.md §1, with an HttpClient doing the router's job by hand.</summary>
public sealed class KvHandoffTests
{
    private const string ClientBody = """{"model":"llama31-8b","messages":[{"role":"user","content":"Explain KV cache transfer between two pods, in detail please."}],"max_tokens":5,"stream":true,"stream_options":{"include_usage":true}}""";

    private const string PrefillBody = """{"model":"llama31-8b","messages":[{"role":"user","content":"Explain KV cache transfer between two pods, in detail please."}],"max_tokens":1,"stream":false,"kv_transfer_params":{"do_remote_decode":true,"do_remote_prefill":false,"remote_engine_id":null,"remote_block_ids":null,"remote_host":null,"remote_port":null}}""";

    [Theory]
    [InlineData("legacy")]
    [InlineData("current")]
    [InlineData("newest")]
    public async Task ManualHandoff_DecodePullsBlocks_AndPrefillHoldsNoneAfterwards(string shapeName)
    {
        KvParamsShape shape = shapeName switch
        {
            "legacy" => KvParamsShape.Legacy,
            "current" => KvParamsShape.Current,
            _ => KvParamsShape.Newest,
        };
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, KvShape = shape });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient();

        (HttpResponseMessage prefillResponse, string prefillText) = await SendAsync(client, prefill.BaseAddress + "v1/chat/completions", PrefillBody, "handoff-1");
        Assert.Equal(HttpStatusCode.OK, prefillResponse.StatusCode);
        JsonElement prefillAnswer = Parse(prefillText);
        Assert.Equal(1, prefillAnswer.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        JsonElement kv = prefillAnswer.GetProperty("kv_transfer_params");
        AssertShape(shape, kv, prefill);
        int promptTokens = prefillAnswer.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        Assert.Equal((promptTokens + 15) / 16, prefill.HeldKvBlocks);
        Assert.Equal(1, prefill.HeldKvLeases);

        // The router's part: the client's own body plus the params prefill returned, copied as is
        // (remote_host "localhost" reaches the prefill side channel here, both being on loopback).
        string decodeBody = WithKvParams(ClientBody, kv);
        (HttpResponseMessage decodeResponse, string decodeText) = await SendAsync(client, decode.BaseAddress + "v1/chat/completions", decodeBody, "handoff-1");

        Assert.Equal(HttpStatusCode.OK, decodeResponse.StatusCode);
        IReadOnlyList<string> events = SseReader.Parse(decodeText);
        Assert.Equal(8, events.Count); // role, 5 tokens, usage, [DONE]
        Assert.Equal(0, prefill.HeldKvBlocks);
        Assert.Equal(0, prefill.HeldKvLeases);
        Assert.Equal(1, prefill.Stats.PrefillsWithKv);
        Assert.Equal(1, prefill.Stats[SimulatorCounter.LeasesPulled]);
        Assert.Equal(1, decode.Stats.DecodesWithKv);
        Assert.Equal(1, decode.Stats.KvPullsSucceeded);
        Assert.Equal(0, decode.Stats.DecodesRecomputed);
    }

    [Fact]
    public async Task SameParamsTwice_SecondDecodeFails_BecauseBlocksAreGone()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient();
        JsonElement kv = await PrefillAsync(client, prefill);
        string decodeBody = WithKvParams("""{"messages":[{"role":"user","content":"x"}],"max_tokens":2}""", kv);

        (HttpResponseMessage first, _) = await SendAsync(client, decode.BaseAddress + "v1/chat/completions", decodeBody);
        (HttpResponseMessage second, string secondText) = await SendAsync(client, decode.BaseAddress + "v1/chat/completions", decodeBody);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, second.StatusCode);
        Assert.Equal("InternalServerError", Parse(secondText).GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(1, prefill.Stats[SimulatorCounter.SideChannelRejected]);
    }

    [Fact]
    public async Task RemoteHostPassedThrough_WhenPrefillIsNotOnLocalhost_DecodeFailsAndBlocksStayHeld()
    {
        // Prefill listens on 127.0.0.2 only but advertises "localhost", like an engine with
        // VLLM_NIXL_SIDE_CHANNEL_HOST unset on another pod: passing remote_host through cannot work.
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, Host = "127.0.0.2" });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient();
        JsonElement kv = await PrefillAsync(client, prefill);
        Assert.Equal("localhost", kv.GetProperty("remote_host").GetString());
        int held = prefill.HeldKvBlocks;

        (HttpResponseMessage response, string text) = await SendAsync(
            client, decode.BaseAddress + "v1/chat/completions", WithKvParams(ClientBody, kv));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/json", MediaType(response));
        JsonElement error = Parse(text).GetProperty("error");
        Assert.Equal("InternalServerError", error.GetProperty("type").GetString());
        Assert.Equal($"failed to load KV cache from localhost:{prefill.SideChannelPort}", error.GetProperty("message").GetString());
        Assert.True(held > 0);
        Assert.Equal(held, prefill.HeldKvBlocks);
        Assert.Equal(1, decode.Stats.KvPullsFailed);
    }

    [Fact]
    public async Task RemoteHostRewrittenToPrefillPod_DecodeSucceeds()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, Host = "127.0.0.2" });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient();
        JsonElement kv = await PrefillAsync(client, prefill);
        JsonObject rewritten = JsonNode.Parse(kv.GetRawText())!.AsObject();
        rewritten["remote_host"] = "127.0.0.2";

        (HttpResponseMessage response, string text) = await SendAsync(
            client, decode.BaseAddress + "v1/chat/completions", WithKvParams(ClientBody, Parse(rewritten.ToJsonString())));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[DONE]", SseReader.Parse(text)[^1]);
        Assert.Equal(0, prefill.HeldKvBlocks);
    }

    [Fact]
    public async Task NullShape_PrefillAnswersNullParams_HoldsNothing_DecodeRecomputes()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, KvShape = KvParamsShape.Null });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient();

        (_, string prefillText) = await SendAsync(client, prefill.BaseAddress + "v1/chat/completions", PrefillBody);
        JsonElement answer = Parse(prefillText);
        (HttpResponseMessage decodeResponse, _) = await SendAsync(client, decode.BaseAddress + "v1/chat/completions", ClientBody);

        Assert.Equal(JsonValueKind.Null, answer.GetProperty("kv_transfer_params").ValueKind);
        Assert.Equal("stop", answer.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(0, prefill.HeldKvBlocks);
        Assert.Equal(HttpStatusCode.OK, decodeResponse.StatusCode);
        Assert.Equal(1, decode.Stats.DecodesRecomputed);
    }

    [Fact]
    public async Task Lease_ExpiresOnTheInjectedClock_AndDecodeThenFails()
    {
        var clock = new ManualTimeProvider();
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions
        {
            Role = SimulatorRole.Prefill,
            TimeProvider = clock,
            KvLeaseDuration = TimeSpan.FromSeconds(30),
            KvShape = KvParamsShape.Newest,
        });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient();
        JsonElement kv = await PrefillAsync(client, prefill);
        Assert.Equal(clock.GetUtcNow().AddSeconds(30).ToUnixTimeSeconds(), kv.GetProperty("remote_blocks_expiry_time").GetDouble());

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, prefill.Stats.LeasesExpired);
        Assert.True(prefill.HeldKvBlocks > 0);

        // The sweep timer frees it without anyone asking (the counter does not trigger the lazy check).
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, prefill.Stats.LeasesExpired);
        Assert.Equal(0, prefill.HeldKvBlocks);

        (HttpResponseMessage response, _) = await SendAsync(client, decode.BaseAddress + "v1/chat/completions", WithKvParams(ClientBody, kv));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task DecodeAbortedBeforePull_ReleasesPrefillBlocks()
    {
        var decodeClock = new ManualTimeProvider();
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions
        {
            Role = SimulatorRole.Decode,
            TimeProvider = decodeClock,
            KvPullDelay = TimeSpan.FromMinutes(1), // never passes: the clock is not advanced
        });
        using var client = new HttpClient();
        JsonElement kv = await PrefillAsync(client, prefill);
        Assert.True(prefill.HeldKvBlocks > 0);

        using var abort = new CancellationTokenSource();
        using HttpRequestMessage request = Post(decode.BaseAddress + "v1/chat/completions", WithKvParams(ClientBody, kv));
        Task<HttpResponseMessage> sending = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, abort.Token);
        Assert.True(await Eventually.TrueAsync(() => decodeClock.ActiveTimerCount == 1), "decode never started waiting to pull");
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);

        Assert.True(await Eventually.TrueAsync(() => prefill.HeldKvBlocks == 0), "prefill still holds the blocks");
        Assert.Equal(1, prefill.Stats.LeasesReleased);
        Assert.Equal(0, prefill.Stats.LeasesExpired);
        Assert.True(await Eventually.TrueAsync(() => decode.Stats.ClientAborts == 1));
        Assert.Equal(1, decode.Stats[SimulatorCounter.KvReleasesSent]);
    }

    [Fact]
    public async Task SideChannel_RejectsWrongEngineAndUnknownBlocks()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        using var client = new HttpClient();
        JsonElement kv = await PrefillAsync(client, prefill);
        string blocks = kv.GetProperty("remote_block_ids").GetRawText();
        Uri sideChannel = new($"http://127.0.0.1:{prefill.SideChannelPort}/");

        (HttpResponseMessage wrongEngine, _) = await SendAsync(client, sideChannel + "kv/pull", $$"""{"remote_engine_id":"other","remote_block_ids":{{blocks}}}""");
        (HttpResponseMessage unknown, _) = await SendAsync(client, sideChannel + "kv/pull", $$"""{"remote_engine_id":"{{prefill.EngineId}}","remote_block_ids":[999999]}""");
        (HttpResponseMessage bad, _) = await SendAsync(client, sideChannel + "kv/pull", "nope");
        (HttpResponseMessage release, _) = await SendAsync(client, sideChannel + "kv/release", $$"""{"remote_engine_id":"{{prefill.EngineId}}","remote_block_ids":{{blocks}}}""");
        (HttpResponseMessage pullAfterRelease, _) = await SendAsync(client, sideChannel + "kv/pull", $$"""{"remote_engine_id":"{{prefill.EngineId}}","remote_block_ids":{{blocks}}}""");

        Assert.Equal(HttpStatusCode.NotFound, wrongEngine.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, pullAfterRelease.StatusCode);
        Assert.Equal(0, prefill.HeldKvBlocks);
        Assert.Equal(1, prefill.Stats.LeasesReleased);
    }

    [Fact]
    public async Task StreamedPrefill_HoldsBlocksNobodyCanPull_UntilTheLeaseEnds()
    {
        var clock = new ManualTimeProvider();
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, TimeProvider = clock });
        using var client = new HttpClient();

        (_, string text) = await SendAsync(
            client, prefill.BaseAddress + "v1/completions", """{"prompt":"abc","stream":true,"kv_transfer_params":{"do_remote_decode":true}}""");

        Assert.DoesNotContain("kv_transfer_params", text, StringComparison.Ordinal);
        Assert.Equal(1, prefill.HeldKvLeases);
        clock.Advance(prefill.Options.KvLeaseDuration);
        Assert.Equal(0, prefill.HeldKvLeases);
    }

    internal static async Task<JsonElement> PrefillAsync(HttpClient client, VllmSimulator prefill)
    {
        (HttpResponseMessage response, string text) = await SendAsync(client, prefill.BaseAddress + "v1/chat/completions", PrefillBody);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement kv = Parse(text).GetProperty("kv_transfer_params");
        Assert.Equal(JsonValueKind.Object, kv.ValueKind);
        return kv;
    }

    internal static string WithKvParams(string body, JsonElement kv)
    {
        JsonObject root = JsonNode.Parse(body)!.AsObject();
        root["kv_transfer_params"] = JsonNode.Parse(kv.GetRawText());
        return root.ToJsonString();
    }

    private static void AssertShape(KvParamsShape shape, JsonElement kv, VllmSimulator prefill)
    {
        Assert.True(kv.GetProperty("do_remote_prefill").GetBoolean());
        Assert.False(kv.GetProperty("do_remote_decode").GetBoolean());
        Assert.Equal("localhost", kv.GetProperty("remote_host").GetString());
        Assert.Equal(prefill.SideChannelPort, kv.GetProperty("remote_port").GetInt32());
        Assert.Equal(prefill.EngineId, kv.GetProperty("remote_engine_id").GetString());
        Assert.Equal(1, kv.GetProperty("tp_size").GetInt32());
        JsonElement blocks = kv.GetProperty("remote_block_ids");
        if (shape == KvParamsShape.Legacy)
        {
            Assert.Equal(JsonValueKind.Number, blocks[0].ValueKind);
            Assert.False(kv.TryGetProperty("remote_request_id", out _));
        }
        else
        {
            Assert.Equal(JsonValueKind.Array, blocks[0].ValueKind);
            Assert.Matches("^chatcmpl-handoff-1-[0-9a-f]{8}$", kv.GetProperty("remote_request_id").GetString());
        }

        Assert.Equal(shape == KvParamsShape.Newest, kv.TryGetProperty("transfer_mode", out _));
        if (shape == KvParamsShape.Newest)
        {
            Assert.Equal("pull", kv.GetProperty("transfer_mode").GetString());
            Assert.Equal(1, kv.GetProperty("dcp_size").GetInt32());
            Assert.Equal(1, kv.GetProperty("pp_size").GetInt32());
            Assert.True(kv.GetProperty("remote_num_tokens").GetInt32() > 0);
            Assert.True(kv.TryGetProperty("remote_blocks_expiry_time", out _));
        }
    }
}
