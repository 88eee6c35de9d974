using System.Net;
using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using static FastRouter.Tests.Simulation.SimulatorHttp;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Simulation;

public sealed class CompletionEndpointTests
{
    private static readonly string ChatBody = RequestBodies.Chat(4, content: "Tell me about disaggregated serving please");

    [Fact]
    public async Task Chat_NonStreaming_PrintsEveryVllmFieldWithNulls()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (HttpResponseMessage response, string body) = await SendAsync(client, "/v1/chat/completions", ChatBody, "req-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", MediaType(response));
        JsonElement root = Parse(body);
        Assert.Equal("chatcmpl-req-1", root.GetProperty("id").GetString());
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal("llama31-8b", root.GetProperty("model").GetString());
        JsonElement choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("The quick brown fox", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("stop_reason").ValueKind);
        Assert.Equal(4, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        int prompt = root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        Assert.Equal("Tell me about disaggregated serving please".Length / 4, prompt);
        Assert.Equal(prompt + 4, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("kv_transfer_params").ValueKind);
        Assert.Equal(1, sim.Stats.DecodesRecomputed);
        Assert.Equal(1, sim.Stats.CompletionsServed);
    }

    [Fact]
    public async Task Chat_MaxCompletionTokens_WinsOverMaxTokens_AndDefaultApplies()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, DefaultMaxTokens = 3 });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (_, string both) = await SendAsync(client, "/v1/chat/completions", """{"messages":[],"max_tokens":9,"max_completion_tokens":2}""");
        (_, string none) = await SendAsync(client, "/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}]}""");

        Assert.Equal(2, Parse(both).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(3, Parse(none).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(1, Parse(none).GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_NonStreaming_UsesTextCompletionShape()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (HttpResponseMessage response, string body) = await SendAsync(client, "/v1/completions", RequestBodies.Completion(2, prompt: "Once upon a time"), "r2");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement root = Parse(body);
        Assert.Equal("cmpl-r2", root.GetProperty("id").GetString());
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
        Assert.Equal("The quick", root.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.True(root.TryGetProperty("kv_transfer_params", out _));
        Assert.Equal(1, sim.Stats.TextCompletionRequests);
    }

    [Fact]
    public async Task Chat_Streaming_FramesEventsExactlyLikeVllm()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (HttpResponseMessage response, string body) = await SendAsync(
            client, "/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"max_tokens":3,"stream":true}""", "s1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream; charset=utf-8", MediaType(response));
        IReadOnlyList<string> events = SseReader.Parse(body);
        Assert.Equal(5, events.Count);
        Assert.Equal("[DONE]", events[^1]);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);

        JsonElement first = Parse(events[0]);
        Assert.Equal("chatcmpl-s1", first.GetProperty("id").GetString());
        Assert.Equal("chat.completion.chunk", first.GetProperty("object").GetString());
        JsonElement roleDelta = first.GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", roleDelta.GetProperty("role").GetString());
        Assert.Equal(string.Empty, roleDelta.GetProperty("content").GetString());

        string text = string.Empty;
        for (int i = 1; i <= 3; i++)
        {
            JsonElement choice = Parse(events[i]).GetProperty("choices")[0];
            text += choice.GetProperty("delta").GetProperty("content").GetString();
            Assert.Equal(i == 3 ? JsonValueKind.String : JsonValueKind.Null, choice.GetProperty("finish_reason").ValueKind);
            Assert.False(Parse(events[i]).TryGetProperty("usage", out _));
        }

        Assert.Equal("The quick brown", text);
        Assert.Equal("length", Parse(events[3]).GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(5, sim.Stats.SseEventsSent);
    }

    [Fact]
    public async Task Chat_Streaming_IncludeUsage_AddsFinalChunkWithEmptyChoices()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (_, string body) = await SendAsync(
            client, "/v1/chat/completions", """{"messages":[{"role":"user","content":"hello world!"}],"max_tokens":2,"stream":true,"stream_options":{"include_usage":true}}""");

        IReadOnlyList<string> events = SseReader.Parse(body);
        Assert.Equal(5, events.Count); // role, 2 tokens, usage, [DONE]
        JsonElement usageChunk = Parse(events[3]);
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(2, usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(3, usageChunk.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, usageChunk.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.False(Parse(events[1]).TryGetProperty("usage", out _));
    }

    [Fact]
    public async Task Streaming_ContinuousUsageStats_PutsUsageOnEveryChunk()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (_, string body) = await SendAsync(
            client, "/v1/completions", """{"prompt":"abcdefgh","max_tokens":2,"stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}}""");

        IReadOnlyList<string> events = SseReader.Parse(body);
        Assert.Equal(4, events.Count); // 2 tokens, usage, [DONE]
        Assert.Equal(1, Parse(events[0]).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(2, Parse(events[1]).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("text_completion", Parse(events[0]).GetProperty("object").GetString());
        Assert.Equal("The", Parse(events[0]).GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(" quick", Parse(events[1]).GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task InfoEndpoints_AnswerLikeVllm()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, MaxModelLen = 4096 });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        using HttpResponseMessage health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Empty(await health.Content.ReadAsByteArrayAsync());

        JsonElement models = Parse(await client.GetStringAsync(new Uri("/v1/models", UriKind.Relative)));
        Assert.Equal("list", models.GetProperty("object").GetString());
        JsonElement model = models.GetProperty("data")[0];
        Assert.Equal("llama31-8b", model.GetProperty("id").GetString());
        Assert.Equal("vllm", model.GetProperty("owned_by").GetString());
        Assert.Equal(4096, model.GetProperty("max_model_len").GetInt32());

        Assert.Equal("0.11.0-fastrouter-sim", Parse(await client.GetStringAsync(new Uri("/version", UriKind.Relative))).GetProperty("version").GetString());
        string metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("vllm:num_requests_running{", metrics, StringComparison.Ordinal);
        Assert.Contains("vllm:kv_cache_usage_perc{", metrics, StringComparison.Ordinal);
        Assert.Contains("vllm:num_requests_waiting{", metrics, StringComparison.Ordinal);

        JsonElement stats = Parse(await client.GetStringAsync(new Uri("/sim/stats", UriKind.Relative)));
        Assert.Equal("decode", stats.GetProperty("role").GetString());
        Assert.Equal(1, stats.GetProperty("models_requests").GetInt64());

        using HttpResponseMessage missing = await client.GetAsync(new Uri("/nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("NotFoundError", Parse(await missing.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("type").GetString());

        // Everything but the /sim/* control plane is recorded, in arrival order.
        string[] paths = [.. sim.ReceivedRequests.Select(r => r.Path)];
        Assert.Equal(["/health", "/v1/models", "/version", "/metrics", "/nope"], paths);
    }

    [Fact]
    public async Task ReceivedRequests_RecordsHeadersAndRawBody_Bounded()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, RecordedRequestLimit = 2 });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        for (int i = 0; i < 3; i++)
        {
            using HttpRequestMessage request = Post("/v1/completions", "{\"prompt\":\"p" + i + "\"}", "id-" + i);
            request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            request.Headers.Authorization = Bearer("k");
            using HttpResponseMessage response = await client.SendAsync(request);
        }

        IReadOnlyList<RecordedRequest> recorded = sim.ReceivedRequests;
        Assert.Equal(2, recorded.Count);
        Assert.Equal("id-1", recorded[0].RequestId);
        Assert.Equal("id-2", recorded[1].RequestId);
        Assert.Equal("POST", recorded[1].Method);
        Assert.Equal("/v1/completions", recorded[1].Path);
        Assert.Equal("Bearer k", recorded[1].Authorization);
        Assert.StartsWith("application/json", recorded[1].ContentType, StringComparison.Ordinal);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", recorded[1].TraceParent);
        Assert.Equal("{\"prompt\":\"p2\"}", System.Text.Encoding.UTF8.GetString(recorded[1].Body));
    }
}
