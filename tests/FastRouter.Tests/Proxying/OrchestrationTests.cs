using System.Text;
using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Proxying;

/// <summary>The orchestrated flow end to end: router and simulator pods on loopback, real sockets.</summary>
public sealed class OrchestrationTests
{
    private static readonly string ChatBody = RequestBodies.Chat(6, content: "Hello there");

    [Fact]
    public async Task Chat_NonStreaming_PrefillsThenDecodesAndRelaysTheDecodeAnswer()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ChatBody);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument answer = JsonDocument.Parse(body);
        Assert.Equal("chat.completion", answer.RootElement.GetProperty("object").GetString());
        Assert.Equal(6, answer.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("The quick brown fox jumps over", answer.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        VllmSimulator prefill = harness.Prefill[0];
        VllmSimulator decode = harness.Decode[0];
        Assert.Equal(1, prefill.Stats.PrefillsWithKv);
        Assert.Equal(1, decode.Stats.DecodesWithKv);
        Assert.Equal(1, decode.Stats.KvPullsSucceeded);
        Assert.Equal(0, prefill.HeldKvBlocks);
        Assert.Equal("/v1/chat/completions", Assert.Single(prefill.ReceivedRequests).Path);
        Assert.Equal("/v1/chat/completions", Assert.Single(decode.ReceivedRequests).Path);
    }

    [Fact]
    public async Task Chat_Streaming_RelaysSseWithUpstreamContentTypeAndDone()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();
        string body = "{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", body);
        List<string> events = await SseReader.ReadAllDataAsync(response);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("[DONE]", events[^1]);
        var content = new StringBuilder();
        foreach (string data in events[..^2])
        {
            using JsonDocument chunk = JsonDocument.Parse(data);
            JsonElement delta = chunk.RootElement.GetProperty("choices")[0].GetProperty("delta");
            content.Append(delta.TryGetProperty("content", out JsonElement text) ? text.GetString() : "");
        }

        Assert.Equal("The quick brown fox", content.ToString());
        using JsonDocument usage = JsonDocument.Parse(events[^2]);
        Assert.Equal(4, usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(0, harness.Prefill[0].HeldKvBlocks);
    }

    [Fact]
    public async Task Completions_NonStreamingAndStreaming_Work()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage plain = await harness.PostAsync("/v1/completions", RequestBodies.Completion(3, prompt: "Once upon"));
        using JsonDocument answer = JsonDocument.Parse(await plain.Content.ReadAsStringAsync());
        using HttpResponseMessage streamed = await harness.PostAsync("/v1/completions", RequestBodies.Completion(3, stream: true, prompt: "Once upon"));
        List<string> events = await SseReader.ReadAllDataAsync(streamed);

        Assert.Equal("text_completion", answer.RootElement.GetProperty("object").GetString());
        Assert.Equal("The quick brown", answer.RootElement.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal("text/event-stream; charset=utf-8", streamed.Content.Headers.ContentType?.ToString());
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(4, events.Count);
        Assert.All(harness.Prefill[0].ReceivedRequests, r => Assert.Equal("/v1/completions", r.Path));
        Assert.All(harness.Decode[0].ReceivedRequests, r => Assert.Equal("/v1/completions", r.Path));
        Assert.Equal(2, harness.Decode[0].Stats.KvPullsSucceeded);
    }

    [Fact]
    public async Task Legs_CarryExactlyTheProtocolsChangesAndNothingElse()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();
        string untouched = "\"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9 \\\"quoted\\\" 😀\"}],\"temperature\":0.70,\"top_p\":1e0,"
            + "\"seed\":123456789012345678901234567890,\"vendor_ext\":{\"nested\":[1,{\"max_tokens\":5}],\"x\":null}";
        string client = "{\"model\":\"llama31-8b\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":5,\"max_completion_tokens\":5,"
            + "\"min_tokens\":2,\"n\":1," + untouched + ",\"kv_transfer_params\":{\"from_client\":true}}";

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", client);
        await SseReader.ReadAllDataAsync(response);

        string prefill = Encoding.UTF8.GetString(Assert.Single(harness.Prefill[0].ReceivedRequests).Body);
        string decode = Encoding.UTF8.GetString(Assert.Single(harness.Decode[0].ReceivedRequests).Body);
        Assert.Equal(
            "{\"model\":\"llama31-8b\",\"stream\":false,\"max_tokens\":1,\"max_completion_tokens\":1,\"n\":1," + untouched
            + ",\"kv_transfer_params\":{\"do_remote_decode\":true,\"do_remote_prefill\":false,\"remote_engine_id\":null,\"remote_block_ids\":null,\"remote_host\":null,\"remote_port\":null}}",
            prefill);

        string clientWithoutParams = client[..client.IndexOf(",\"kv_transfer_params\"", StringComparison.Ordinal)];
        Assert.StartsWith(clientWithoutParams + ",\"kv_transfer_params\":{", decode, StringComparison.Ordinal);
        using JsonDocument decodeJson = JsonDocument.Parse(decode);
        JsonElement kv = decodeJson.RootElement.GetProperty("kv_transfer_params");
        Assert.False(kv.TryGetProperty("from_client", out _));
        Assert.True(kv.GetProperty("do_remote_prefill").GetBoolean());
        Assert.Equal("127.0.0.1", kv.GetProperty("remote_host").GetString());
        Assert.Equal(harness.Prefill[0].SideChannelPort, kv.GetProperty("remote_port").GetInt32());
        Assert.StartsWith("chatcmpl-", kv.GetProperty("remote_request_id").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decode_GetsThePrefillsKvTransferParamsVerbatimButForRemoteHost()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(prefill: new SimulatorOptions { Role = SimulatorRole.Prefill, KvShape = KvParamsShape.Newest });

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ChatBody);
        Assert.Equal(200, (int)response.StatusCode);

        // The prefill's own answer is not visible to the test, so rebuild what it sent from the decode leg:
        // every member but remote_host must match the newest shape's fields exactly.
        using JsonDocument decode = JsonDocument.Parse(Assert.Single(harness.Decode[0].ReceivedRequests).Body);
        JsonElement kv = decode.RootElement.GetProperty("kv_transfer_params");
        foreach (string field in new[] { "remote_block_ids", "remote_engine_id", "remote_port", "remote_request_id", "tp_size", "dcp_size", "pp_size", "remote_num_tokens", "remote_blocks_expiry_time", "transfer_mode" })
        {
            Assert.True(kv.TryGetProperty(field, out _), "missing " + field);
        }

        Assert.Equal(JsonValueKind.Array, kv.GetProperty("remote_block_ids")[0].ValueKind);
        Assert.Equal(1, harness.Decode[0].Stats.KvPullsSucceeded);
    }

    [Theory]
    [InlineData("Legacy")]
    [InlineData("Current")]
    [InlineData("Newest")]
    public async Task EveryKvParamsShape_CompletesTheHandoff(string shapeName)
    {
        KvParamsShape shape = Enum.Parse<KvParamsShape>(shapeName);
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(prefill: new SimulatorOptions { Role = SimulatorRole.Prefill, KvShape = shape });

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ChatBody);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, harness.Decode[0].Stats.KvPullsSucceeded);
        Assert.Equal(0, harness.Prefill[0].HeldKvBlocks);
    }

    [Fact]
    public async Task RequestId_FromTheClient_IsUsedOnBothLegsAndEchoed()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ChatBody, requestId: "client-id-42");

        Assert.Equal("client-id-42", response.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal("client-id-42", Assert.Single(harness.Prefill[0].ReceivedRequests).RequestId);
        Assert.Equal("client-id-42", Assert.Single(harness.Decode[0].ReceivedRequests).RequestId);
    }

    [Fact]
    public async Task RequestId_WhenAbsentOrUnsafe_IsMadeByTheRouterAndSharedByBothLegs()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage first = await harness.PostAsync("/v1/chat/completions", ChatBody);
        using HttpResponseMessage second = await harness.PostAsync("/v1/chat/completions", ChatBody, requestId: new string('x', 500));

        string firstId = first.Headers.GetValues("X-Request-Id").Single();
        string secondId = second.Headers.GetValues("X-Request-Id").Single();
        Assert.Matches("^[0-9a-f]{32}$", firstId);
        Assert.Matches("^[0-9a-f]{32}$", secondId);
        Assert.NotEqual(firstId, secondId);
        Assert.Equal([firstId, secondId], harness.Prefill[0].ReceivedRequests.Select(r => r.RequestId));
        Assert.Equal([firstId, secondId], harness.Decode[0].ReceivedRequests.Select(r => r.RequestId));
    }

    [Fact]
    public async Task BackendApiKey_IsSentOnBothLegs_AndTheClientsAuthorizationIsNot()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            options => options with { BackendApiKey = "backend-secret" },
            new SimulatorOptions { Role = SimulatorRole.Prefill, ApiKey = "backend-secret" },
            new SimulatorOptions { Role = SimulatorRole.Decode, ApiKey = "backend-secret" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(ChatBody, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer client-key");

        using HttpResponseMessage response = await harness.Client.SendAsync(request);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("Bearer backend-secret", Assert.Single(harness.Prefill[0].ReceivedRequests).Authorization);
        Assert.Equal("Bearer backend-secret", Assert.Single(harness.Decode[0].ReceivedRequests).Authorization);
    }

    [Fact]
    public async Task RoundRobinSelection_ChoosesEachPodInTurnPerRole()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [new SimulatorOptions { Role = SimulatorRole.Prefill }, new SimulatorOptions { Role = SimulatorRole.Prefill }],
            [new SimulatorOptions { Role = SimulatorRole.Decode }, new SimulatorOptions { Role = SimulatorRole.Decode }, new SimulatorOptions { Role = SimulatorRole.Decode }],
            o => o with { PodSelection = FastRouter.Configuration.PodSelection.RoundRobin });

        for (int i = 0; i < 12; i++)
        {
            using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ChatBody);
            Assert.Equal(200, (int)response.StatusCode);
        }

        Assert.All(harness.Prefill, pod => Assert.Equal(6, pod.ReceivedRequests.Count));
        Assert.All(harness.Decode, pod => Assert.Equal(4, pod.ReceivedRequests.Count));
        Assert.All(harness.Prefill, pod => Assert.Equal(0, pod.HeldKvBlocks));
    }

    [Fact]
    public async Task SeveralModels_PodsAreChosenAmongThoseServingTheRequestedModel()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [new SimulatorOptions { Role = SimulatorRole.Prefill, Model = "model-a" }, new SimulatorOptions { Role = SimulatorRole.Prefill, Model = "model-b" }],
            [new SimulatorOptions { Role = SimulatorRole.Decode, Model = "model-a" }, new SimulatorOptions { Role = SimulatorRole.Decode, Model = "model-b" }]);

        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage a = await harness.PostAsync("/v1/completions", "{\"model\":\"model-a\",\"prompt\":\"x\"}");
            using HttpResponseMessage b = await harness.PostAsync("/v1/completions", "{\"model\":\"model\\u002db\",\"prompt\":\"x\"}");
            Assert.Equal(200, (int)a.StatusCode);
            Assert.Equal(200, (int)b.StatusCode);
        }

        Assert.Equal(3, harness.Prefill[0].ReceivedRequests.Count);
        Assert.Equal(3, harness.Prefill[1].ReceivedRequests.Count);
        Assert.Equal(3, harness.Decode[0].ReceivedRequests.Count);
        Assert.Equal(3, harness.Decode[1].ReceivedRequests.Count);
    }

    [Fact]
    public async Task Streaming_EachEventIsFlushedAsSoonAsItIsComplete()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            decode: new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(400) });
        string body = RequestBodies.Completion(6, stream: true);

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", body);
        await using Stream stream = await response.Content.ReadAsStreamAsync();
        byte[] buffer = new byte[4096];
        int read = await stream.ReadAsync(buffer);

        // The first event arrives while the pod is still generating: the stream would otherwise take ≥ 2 s.
        Assert.StartsWith("data: {", Encoding.UTF8.GetString(buffer, 0, read), StringComparison.Ordinal);
        Assert.Equal(1, harness.Decode[0].RunningRequests);
    }
}
