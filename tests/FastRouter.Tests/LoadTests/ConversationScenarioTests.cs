using System.Text;
using System.Text.Json;
using FastRouter.LoadTests.Cli;
using FastRouter.LoadTests.Conversations;

namespace FastRouter.Tests.LoadTests;

public sealed class ConversationScenarioTests
{
    private static ConversationOptions Options(double dominant = 0, int seed = 7) => new()
    {
        Targets = [new Uri("http://127.0.0.1:1/")],
        SystemPrompts = 4,
        Rate = 20,
        Duration = TimeSpan.FromSeconds(50),
        DominantSystemPromptShare = dominant,
        Seed = seed,
        Name = "t",
        OutputDirectory = "unused",
    };

    [Fact]
    public void Schedule_IsTheSameForTheSameSeed_AndDiffersForAnother()
    {
        IReadOnlyList<ConversationArrival> first = ConversationSchedule.Build(Options());
        IReadOnlyList<ConversationArrival> again = ConversationSchedule.Build(Options());
        IReadOnlyList<ConversationArrival> other = ConversationSchedule.Build(Options(seed: 8));

        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(a => a.OffsetSeconds), other.Select(a => a.OffsetSeconds));

        // Poisson at 20/s over 50 s: about 1,000 arrivals, all inside the window, in order, every prompt used.
        Assert.InRange(first.Count, 900, 1100);
        Assert.All(first, a => Assert.InRange(a.OffsetSeconds, 0, 50));
        Assert.True(first.Zip(first.Skip(1)).All(p => p.First.OffsetSeconds <= p.Second.OffsetSeconds));
        Assert.Equal([0, 1, 2, 3], first.Select(a => a.SystemPrompt).Distinct().Order());
    }

    [Fact]
    public void DominantShare_SendsThatShareToPromptZero()
    {
        IReadOnlyList<ConversationArrival> even = ConversationSchedule.Build(Options());
        IReadOnlyList<ConversationArrival> dominant = ConversationSchedule.Build(Options(dominant: 0.9));

        double evenShare = even.Count(a => a.SystemPrompt == 0) / (double)even.Count;
        double dominantShare = dominant.Count(a => a.SystemPrompt == 0) / (double)dominant.Count;
        Assert.InRange(evenShare, 0.18, 0.32);

        // 90 % drawn as prompt 0 plus a quarter of the other 10 %.
        Assert.InRange(dominantShare, 0.9, 0.96);
    }

    [Fact]
    public void Texts_AreTheSameInEveryProcess()
    {
        // Recorded once: every configuration of the routing benchmark runs in a new process and must send the same
        // system prompts (so their prefix keys, and the pods they rank first, are the same), which a per-process
        // hash seed (HashCode.Combine) would break.
        Assert.Equal("System prompt 0: echo whiskey alpha mike", ConversationText.SystemPrompt(19, 0, 40));
        Assert.Equal("Conversation 3 turn 2: whiskey delta gol", ConversationText.UserMessage(19, 3, 2, 40));
    }

    [Fact]
    public void Texts_AreDeterministicAsciiOfTheAskedLength_AndDistinct()
    {
        string prompt = ConversationText.SystemPrompt(3, 1, 6144);
        Assert.Equal(prompt, ConversationText.SystemPrompt(3, 1, 6144));
        Assert.Equal(6144, Encoding.UTF8.GetByteCount(prompt));
        Assert.Equal(6144, prompt.Length);
        Assert.NotEqual(prompt, ConversationText.SystemPrompt(3, 2, 6144));
        Assert.NotEqual(prompt, ConversationText.SystemPrompt(4, 1, 6144));

        string user = ConversationText.UserMessage(3, 10, 2, 256);
        Assert.Equal(256, user.Length);
        Assert.NotEqual(user, ConversationText.UserMessage(3, 10, 3, 256));
        Assert.NotEqual(user, ConversationText.UserMessage(3, 11, 2, 256));
    }

    [Fact]
    public void Body_CarriesTheHistoryInOrder_StreamedWithUsage()
    {
        byte[] body = ConversationBodyWriter.Build("m", [new("system", "s \"q\""), new("user", "u1"), new("assistant", "a1"), new("user", "u2")], 32);

        using JsonDocument document = JsonDocument.Parse(body);
        JsonElement root = document.RootElement;
        Assert.Equal(
            ["system:s \"q\"", "user:u1", "assistant:a1", "user:u2"],
            root.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString() + ":" + m.GetProperty("content").GetString()));
        Assert.Equal(32, root.GetProperty("max_tokens").GetInt32());
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.True(root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Theory]
    [InlineData("""{"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":"The"},"finish_reason":null}]}""", "The", true)]
    [InlineData("""{"choices":[{"delta":{"content":" qu\"ick\n"}}]}""", " qu\"ick\n", true)]
    [InlineData("""{"choices":[{"delta":{"content":""}}]}""", "", false)]
    [InlineData("""{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}""", "", false)]
    [InlineData("""{"choices":[{"delta":{}}],"content":"not a delta"}""", "", false)]
    public void ChunkText_IsTheDeltaContentUnescaped(string chunk, string expected, bool hasText)
    {
        var text = new StringBuilder("<");
        bool appended = StreamChunkText.TryAppendContent(Encoding.UTF8.GetBytes(chunk), text);

        Assert.Equal(hasText, appended);
        Assert.Equal("<" + expected, text.ToString());
    }

    [Fact]
    public void PodStats_UseTheEngineModelsFigures_ElseEveryPromptTokenIsComputed()
    {
        var pod = new Uri("http://127.0.0.1:9/");
        PodWork engine = FleetStatsReader.ParsePodStats(pod, """{"role":"prefill","chat_completion_requests":5,"prompt_tokens":900,"prompt_tokens_computed":300,"prompt_tokens_cached":600}"""u8);
        PodWork plain = FleetStatsReader.ParsePodStats(pod, """{"role":"decode","chat_completion_requests":4,"text_completion_requests":1,"prompt_tokens":900}"""u8);

        Assert.Equal(("prefill", 300L, 600L, 5L), (engine.Role, engine.PromptTokensComputed, engine.PromptTokensCached, engine.Requests));
        Assert.Equal(("decode", 900L, 0L, 5L), (plain.Role, plain.PromptTokensComputed, plain.PromptTokensCached, plain.Requests));
    }

    [Fact]
    public void Fleet_HitRatesSharesAndDisaggregatedShare()
    {
        var pod = new Uri("http://127.0.0.1:9/");
        PodWork[] pods =
        [
            new(pod, "prefill", 300, 100, 6, null),
            new(pod, "prefill", 100, 300, 2, null),
            new(pod, "decode", 50, 150, 10, null),
            new(pod, "prefill", 0, 0, 0, "down"),
        ];
        var fleet = new FleetWork(pods, clientRequests: 10, new Dictionary<string, double>());

        Assert.Equal(400, fleet.PrefillComputed);
        Assert.Equal(0.5, fleet.PrefillHitRate, 6);
        Assert.Equal(0.75, fleet.DecodeHitRate, 6);
        Assert.Equal(550.0 / 1000, fleet.HitRate, 6);
        Assert.Equal(1.5, fleet.MaxPrefillShare, 6);
        Assert.Equal(0.5, pods[1].ShareOfRoleMean, 6);
        Assert.Equal(0.8, fleet.DisaggregatedShare, 6);

        var decisions = new Dictionary<string, double>();
        FleetStatsReader.AddDecisions(
            "# TYPE fastrouter_disaggregation_decisions_total counter\n" +
            "fastrouter_disaggregation_decisions_total{decision=\"disaggregated\",reason=\"default\"} 3\n" +
            "fastrouter_disaggregation_decisions_total{decision=\"decode_only\",reason=\"short_uncached\"} 5\n" +
            "fastrouter_disaggregation_decisions_total{decision=\"decode_only\",reason=\"no_prefill\"} 1\n",
            decisions);
        FleetStatsReader.AddDecisions("fastrouter_disaggregation_decisions_total{decision=\"disaggregated\",reason=\"default\"} 1\n", decisions);
        Assert.Equal(0.4, new FleetWork(pods, 10, decisions).DisaggregatedShare, 6);
    }

    [Fact]
    public void CommandLine_TakesSeveralRouters_AndRefusesUnknownFlags()
    {
        string[] args = ["--scenario", "conversations", "--target", "http://a:1,http://b:2/", "--pods", "http://p:3", "--rate", "2.5", "--dominant-system-prompt", "0.9", "--think-time", "0", "--warmup", "10s"];
        Assert.True(ConversationCommandLine.Applies(args));
        Assert.False(ConversationCommandLine.Applies(["--scenario", "chat-stream"]));
        ConversationOptions options = ConversationCommandLine.Parse(args, DateTimeOffset.UnixEpoch);

        Assert.Equal(["http://a:1/", "http://b:2/"], options.Targets.Select(u => u.AbsoluteUri));
        Assert.Equal(2.5, options.Rate);
        Assert.Equal(0.9, options.DominantSystemPromptShare);
        Assert.Equal(TimeSpan.Zero, options.ThinkTime);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Warmup);
        Assert.Throws<CommandLineException>(() => ConversationCommandLine.Parse(["--scenario", "conversations", "--target", "http://a:1", "--concurrency", "3"], DateTimeOffset.UnixEpoch));
        Assert.Throws<CommandLineException>(() => ConversationCommandLine.Parse(["--scenario", "conversations"], DateTimeOffset.UnixEpoch));
        Assert.Throws<CommandLineException>(() => ConversationCommandLine.Parse(["--scenario", "conversations", "--target", "http://a:1", "--dominant-system-prompt", "1.5"], DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void AWarmupTurn_CountsAsServed_ButNotInTheLatencies()
    {
        var statistics = new TurnStatistics(2);
        statistics.Record(1, new TurnOutcome(true, null, 900_000, [40_000], "a"), countLatency: false);
        statistics.Record(1, new TurnOutcome(true, null, 30_000, [20_000], "b"));
        statistics.Record(2, new TurnOutcome(false, "refused", 0, [], null), countLatency: false);

        TurnSummary all = statistics.Summarize(0);
        Assert.Equal(2, all.Succeeded);
        Assert.Equal(1, all.Failed);
        Assert.InRange(all.TtftP99Ms, 29, 31); // the warm-up's 900 ms left out
        Assert.InRange(all.ItlP99Ms, 19, 21);
    }
}
