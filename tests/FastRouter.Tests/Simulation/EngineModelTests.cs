using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FastRouter.Simulation;
using static FastRouter.Tests.Simulation.SimulatorHttp;

namespace FastRouter.Tests.Simulation;

/// <summary>The opt-in engine model (--cache-blocks &gt; 0), over real HTTP on loopback, with high rates and few tokens.</summary>
public sealed partial class EngineModelTests
{
    // <|user|>\n + content + <|end|>\n + <|assistant|>\n: 31 bytes around the content.
    private const int ChatFrame = 31;

    [Fact]
    public async Task SecondIdenticalPrompt_OnPrefill_ComputesOnlyTheLastToken()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, CacheBlocks = 64 });
        using var client = new HttpClient { BaseAddress = prefill.BaseAddress };
        string body = ChatBody(new string('a', 320 - ChatFrame), 1); // 320 bytes = 80 tokens = 5 blocks

        await SendOkAsync(client, body);
        JsonElement first = await StatsAsync(client);
        Assert.Equal(80, first.GetProperty("prompt_tokens_computed").GetInt64());
        Assert.Equal(0, first.GetProperty("prompt_tokens_cached").GetInt64());

        await SendOkAsync(client, body);
        JsonElement second = await StatsAsync(client);
        Assert.Equal(81, second.GetProperty("prompt_tokens_computed").GetInt64()); // one token recomputed to sample
        Assert.Equal(79, second.GetProperty("prompt_tokens_cached").GetInt64());
        Assert.Equal(5, second.GetProperty("cache_blocks_used").GetInt64());
    }

    [Fact]
    public async Task TinyCache_EvictsLeastRecentlyUsedBlocks()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, CacheBlocks = 4 });
        using var client = new HttpClient { BaseAddress = prefill.BaseAddress };
        string a = ChatBody(new string('a', 128 - ChatFrame), 1); // 2 blocks each
        string b = ChatBody(new string('b', 128 - ChatFrame), 1);
        string c = ChatBody(new string('c', 128 - ChatFrame), 1);

        await SendOkAsync(client, a);
        await SendOkAsync(client, b);
        await SendOkAsync(client, b); // b is now more recent than a
        await SendOkAsync(client, c); // evicts a, the least recently used
        long cachedBefore = prefill.Stats[SimulatorCounter.PromptTokensCached];
        await SendOkAsync(client, b);
        Assert.Equal(31, prefill.Stats[SimulatorCounter.PromptTokensCached] - cachedBefore); // b survived
        cachedBefore = prefill.Stats[SimulatorCounter.PromptTokensCached];
        await SendOkAsync(client, a);
        Assert.Equal(0, prefill.Stats[SimulatorCounter.PromptTokensCached] - cachedBefore); // a was evicted

        JsonElement stats = await StatsAsync(client);
        Assert.Equal(4, stats.GetProperty("cache_blocks_used").GetInt64());
        Assert.True(stats.GetProperty("cache_blocks_evicted").GetInt64() >= 4);
    }

    [Fact]
    public async Task BusyPrefill_QueuesBatches_SoTheLastAnswerWaitsForAllTheWork()
    {
        // 80 tokens each at 1000 tok/s = 80 ms; a budget of 100 tokens puts each request in its own batch.
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions
        {
            Role = SimulatorRole.Prefill,
            CacheBlocks = 64,
            PrefillTokensPerSecond = 1000,
            MaxBatchTokens = 100,
        });
        using var client = new HttpClient { BaseAddress = prefill.BaseAddress };
        var watch = Stopwatch.StartNew();
        var sends = new Task[3];
        for (int i = 0; i < sends.Length; i++)
        {
            sends[i] = SendOkAsync(client, ChatBody(new string((char)('a' + i), 320 - ChatFrame), 1));
        }

        int maxWaiting = 0;
        while (!Task.WhenAll(sends).IsCompleted)
        {
            string metrics = await client.GetStringAsync("/metrics");
            Match waiting = Regex.Match(metrics, "^vllm:num_requests_waiting\\{[^}]*\\} ([0-9.]+)$", RegexOptions.Multiline);
            maxWaiting = Math.Max(maxWaiting, (int)double.Parse(waiting.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            await Task.Delay(5);
        }

        await Task.WhenAll(sends);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(235), $"three 80 ms batches took {watch.Elapsed}");
        Assert.True(maxWaiting > 0, "no request was ever seen waiting behind a batch");
        Assert.Equal(3, prefill.Stats[SimulatorCounter.PrefillBatches]);
        Assert.Equal(240, prefill.Stats[SimulatorCounter.PromptTokensComputed]);
    }

    [Fact]
    public async Task Decode_CachesReceivedBlocksAndGeneratedText_SoTheNextTurnPullsOnlyTheNewPart()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, CacheBlocks = 256 });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, CacheBlocks = 256 });
        using var client = new HttpClient();
        string system = new('s', 400);
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = system },
            new JsonObject { ["role"] = "user", ["content"] = "first question" },
        };

        string answer = await TurnAsync(client, prefill, decode, messages, stream: true);
        Assert.Equal("The quick brown fox jumps over the lazy dog while", answer);
        long pulledFirst = decode.Stats[SimulatorCounter.PromptTokensPulled];
        Assert.Equal(decode.Stats[SimulatorCounter.PrefixCacheQueries], pulledFirst); // nothing cached on the first turn

        messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = answer });
        string newTurn = "second question";
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = newTurn });
        await TurnAsync(client, prefill, decode, messages, stream: false);
        long pulledSecond = decode.Stats[SimulatorCounter.PromptTokensPulled] - pulledFirst;

        // What is new since the cached sequence ("...<|assistant|>\n" + answer): "<|end|>\n<|user|>\n" + turn +
        // "<|end|>\n<|assistant|>\n", plus at most one partial block of the cached sequence (16 tokens).
        int newBytes = 8 + 9 + newTurn.Length + 8 + 14;
        Assert.InRange(pulledSecond, 1, ((newBytes + 3) / 4) + 16);
        Assert.True(decode.Stats[SimulatorCounter.PromptTokensCached] >= 100, "the history was not found on decode");
    }

    [Fact]
    public async Task LocalPrefillOnDecode_StallsRunningStreams_ForItsCompute()
    {
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions
        {
            Role = SimulatorRole.Decode,
            CacheBlocks = 256,
            PrefillTokensPerSecond = 1000,
            InterTokenLatency = TimeSpan.FromMilliseconds(20),
        });
        using var client = new HttpClient { BaseAddress = decode.BaseAddress };
        // 100 tokens 20 ms apart: the stream still runs, whatever the machine's load, when the local prefill comes.
        using HttpRequestMessage request = Post("/v1/chat/completions", ChatBody("hi", 100, stream: true));
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        for (int i = 0; i < 4; i++)
        {
            await reader.ReadLineAsync();
        }

        // 1,200 bytes = 300 tokens = 300 ms of local compute, during which the stream sends nothing.
        Task local = SendOkAsync(client, ChatBody(new string('x', 1200 - ChatFrame), 1));
        TimeSpan longestGap = TimeSpan.Zero;
        var gap = Stopwatch.StartNew();
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                longestGap = gap.Elapsed > longestGap ? gap.Elapsed : longestGap;
                gap.Restart();
            }
        }

        await local;
        // The stream's next token waited for the local prefill: counted where it waits, and seen as a long gap.
        Assert.True(decode.Stats[SimulatorCounter.TokensStalled] >= 1, "no token of the running stream waited for the local prefill");
        Assert.True(longestGap >= TimeSpan.FromMilliseconds(150), $"longest gap between tokens {longestGap}");
        Assert.Equal(300, decode.Stats[SimulatorCounter.PromptTokensComputed] - BlockTokensOf("hi"));
    }

    [Fact]
    public async Task Metrics_ServeVllmNames_AsPrometheusText()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, CacheBlocks = 64 });
        using var client = new HttpClient { BaseAddress = prefill.BaseAddress };
        string body = ChatBody(new string('a', 320 - ChatFrame), 1);
        await SendOkAsync(client, body);
        await SendOkAsync(client, body);

        string text = await client.GetStringAsync("/metrics");
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches("^# (HELP|TYPE) vllm:[a-z_]+ .+$", line);
                continue;
            }

            Match sample = SampleLine().Match(line);
            Assert.True(sample.Success, "not a Prometheus sample: " + line);
            Assert.Equal("engine=\"0\",model_name=\"llama31-8b\"", sample.Groups[2].Value);
            samples[sample.Groups[1].Value] = double.Parse(sample.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.Equal(0, samples["vllm:num_requests_running"]);
        Assert.Equal(0, samples["vllm:num_requests_waiting"]);
        // Nothing is being served: no block is in use, though the prefix cache keeps the prompt's 5 (idle, evictable).
        Assert.Equal(0, samples["vllm:kv_cache_usage_perc"]);
        Assert.Equal(5, prefill.EngineCacheBlocksUsed);
        Assert.Equal(160, samples["vllm:prefix_cache_queries_total"]);
        Assert.Equal(79, samples["vllm:prefix_cache_hits_total"]);
        Assert.Equal(160, samples["vllm:prompt_tokens_total"]);
        Assert.Equal(2, samples["vllm:generation_tokens_total"]);
        Assert.Contains("# TYPE vllm:prefix_cache_hits_total counter\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsHang_StopsOnlyMetrics_AndIsClearedAtRunTime()
    {
        await using VllmSimulator pod = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, MetricsHang = true });
        using var client = new HttpClient { BaseAddress = pod.BaseAddress, Timeout = TimeSpan.FromMilliseconds(500) };

        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetStringAsync("/metrics"));
        await SendOkAsync(client, ChatBody("hi", 2));

        (HttpResponseMessage cleared, string mode) = await SendAsync(client, "/sim/metrics-fault", "none");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal("none", mode);
        Assert.Contains("vllm:num_requests_running", await client.GetStringAsync("/metrics"), StringComparison.Ordinal);

        await SendAsync(client, "/sim/metrics-fault", "hang");
        Assert.True(pod.MetricsHang);
    }

    [GeneratedRegex("^(vllm:[a-z_]+)\\{([^}]*)\\} (-?[0-9.eE+-]+)$")]
    private static partial Regex SampleLine();

    private static int BlockTokensOf(string content) => (ChatFrame + content.Length + 3) / 4;

    private static string ChatBody(string content, int maxTokens, bool stream = false) =>
        new JsonObject
        {
            ["messages"] = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = content } },
            ["max_tokens"] = maxTokens,
            ["stream"] = stream,
        }.ToJsonString();

    private static async Task SendOkAsync(HttpClient client, string body, string path = "/v1/chat/completions")
    {
        (HttpResponseMessage response, string text) = await SendAsync(client, path, body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
    }

    private static async Task<JsonElement> StatsAsync(HttpClient client) => Parse(await client.GetStringAsync("/sim/stats"));

    /// <summary>One turn done by hand as the router would: prefill with max_tokens 1, then decode with its params.</summary>
    private static async Task<string> TurnAsync(HttpClient client, VllmSimulator prefill, VllmSimulator decode, JsonArray messages, bool stream)
    {
        var prefillBody = new JsonObject
        {
            ["messages"] = messages.DeepClone(),
            ["max_tokens"] = 1,
            ["kv_transfer_params"] = new JsonObject { ["do_remote_decode"] = true, ["do_remote_prefill"] = false },
        };
        (HttpResponseMessage prefillResponse, string prefillText) = await SendAsync(client, prefill.BaseAddress + "v1/chat/completions", prefillBody.ToJsonString());
        Assert.True(prefillResponse.StatusCode == HttpStatusCode.OK, prefillText);
        JsonElement kv = Parse(prefillText).GetProperty("kv_transfer_params");
        var decodeBody = new JsonObject
        {
            ["messages"] = messages.DeepClone(),
            ["max_tokens"] = 10,
            ["stream"] = stream,
            ["kv_transfer_params"] = JsonNode.Parse(kv.GetRawText()),
        };
        (HttpResponseMessage decodeResponse, string decodeText) = await SendAsync(client, decode.BaseAddress + "v1/chat/completions", decodeBody.ToJsonString());
        Assert.True(decodeResponse.StatusCode == HttpStatusCode.OK, decodeText);
        if (!stream)
        {
            return Parse(decodeText).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        }

        // The client's view of the answer: every content delta, concatenated.
        var content = new StringBuilder();
        foreach (string line in decodeText.Split('\n'))
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal))
            {
                JsonElement choices = Parse(line[6..]).GetProperty("choices");
                if (choices.GetArrayLength() > 0 && choices[0].GetProperty("delta").TryGetProperty("content", out JsonElement delta))
                {
                    content.Append(delta.GetString());
                }
            }
        }

        return content.ToString();
    }
}
