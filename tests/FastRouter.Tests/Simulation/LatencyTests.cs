using System.Net;
using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Support;
using static FastRouter.Tests.Simulation.SimulatorHttp;

namespace FastRouter.Tests.Simulation;

/// <summary>Latencies run on the injected clock, and each SSE event reaches the client as soon as it is written.</summary>
public sealed class LatencyTests
{
    [Fact]
    public async Task Streaming_FlushesEachEvent_AndWaitsInterTokenLatencyBetweenTokens()
    {
        var clock = new ManualTimeProvider();
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions
        {
            Role = SimulatorRole.Decode,
            TimeProvider = clock,
            InterTokenLatency = TimeSpan.FromMilliseconds(7),
        });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };
        using HttpRequestMessage request = Post("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"max_tokens":3,"stream":true}""");
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        // Role chunk and first token come before any delay; the clock has not moved, so they were flushed eagerly.
        Assert.Equal("assistant", await ReadDeltaAsync(reader, "role"));
        Assert.Equal("The", await ReadDeltaAsync(reader, "content"));
        Assert.True(await Eventually.TrueAsync(() => clock.ActiveTimerCount == 1), "no inter-token delay started");
        Task<string?> second = ReadDeltaAsync(reader, "content");
        clock.Advance(TimeSpan.FromMilliseconds(6));
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(" quick", await second);

        Assert.True(await Eventually.TrueAsync(() => clock.ActiveTimerCount == 1));
        clock.Advance(TimeSpan.FromMilliseconds(7));
        Assert.Equal(" brown", await ReadDeltaAsync(reader, "content"));
        Assert.Equal("data: [DONE]", await reader.ReadLineAsync());
    }

    [Fact]
    public async Task PrefillLatency_IsBasePlusPromptTokensOverThroughput()
    {
        var clock = new ManualTimeProvider();
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions
        {
            Role = SimulatorRole.Decode,
            TimeProvider = clock,
            PrefillBaseLatency = TimeSpan.FromMilliseconds(15),
            PrefillTokensPerSecond = 1000,
        });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        // 400 characters = 100 prompt tokens = 100 ms at 1000 tok/s, + 15 ms.
        string prompt = new('a', 400);
        Task<(HttpResponseMessage Response, string Body)> sending = SendAsync(client, "/v1/completions", "{\"prompt\":\"" + prompt + "\",\"max_tokens\":1}");
        Assert.True(await Eventually.TrueAsync(() => clock.ActiveTimerCount == 1), "no prefill delay started");
        clock.Advance(TimeSpan.FromMilliseconds(114));
        Assert.False(sending.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        (HttpResponseMessage response, string body) = await sending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(100, Parse(body).GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    private static async Task<string?> ReadDeltaAsync(StreamReader reader, string field)
    {
        string? line = await reader.ReadLineAsync();
        Assert.NotNull(line);
        Assert.StartsWith("data: ", line, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await reader.ReadLineAsync());
        using var document = JsonDocument.Parse(line["data: ".Length..]);
        return document.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty(field).GetString();
    }
}
