using System.Net.Http;
using System.Text.Json;
using FastRouter.LoadTests.Conversations;
using FastRouter.LoadTests.Http;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.LoadTests;

/// <summary>The conversations scenario against the real router in front of simulator pods, over loopback.</summary>
public sealed class ConversationIntegrationTests
{
    [Fact]
    public async Task LaterTurns_CarryTheStreamedAnswerAndANewUserMessage_AndPodStatsAreRead()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            // The engine model on (a cache, fast compute): only then do the pods count the prompt tokens they compute.
            prefill: new SimulatorOptions { Role = SimulatorRole.Prefill, CacheBlocks = 1024, PrefillTokensPerSecond = 1_000_000 },
            decode: new SimulatorOptions { Role = SimulatorRole.Decode, CacheBlocks = 1024, PrefillTokensPerSecond = 1_000_000, InterTokenLatency = TimeSpan.FromMilliseconds(2) },
            logLevel: LogLevel.Warning);
        Uri prefillPod = new(harness.Prefill[0].BaseAddress, "/");
        Uri decodePod = new(harness.Decode[0].BaseAddress, "/");
        var options = new ConversationOptions
        {
            Targets = [harness.Address],
            Pods = [prefillPod, decodePod],
            SystemPrompts = 2,
            SystemPromptBytes = 512,
            UserMessageBytes = 64,
            Turns = 3,
            MaxTokens = 6,
            Rate = 4,
            ThinkTime = TimeSpan.FromMilliseconds(20),
            Duration = TimeSpan.FromSeconds(1),
            RequestTimeout = TimeSpan.FromSeconds(10),
            Name = "test",
            OutputDirectory = Path.GetTempPath(),
            Progress = false,
        };
        IReadOnlyList<ConversationArrival> schedule = ConversationSchedule.Build(options);
        using HttpMessageInvoker invoker = LoadHttpClientFactory.Create(16);
        var runner = new ConversationRunner(options, new TurnClient(invoker, options.RequestTimeout));

        await runner.RunAsync(schedule, TextWriter.Null, CancellationToken.None);

        TurnSummary all = runner.Statistics.Summarize(0);
        Assert.Equal(0, all.Failed);
        Assert.Equal(schedule.Count * 3, all.Succeeded);
        Assert.Equal(schedule.Count, runner.Statistics.Summarize(3).Succeeded);
        Assert.True(all.TtftP50Ms > 0 && all.ItlP50Ms > 0);

        // The last turn of some conversation: system, user, then (assistant = the sim's generated text, user) twice.
        JsonElement[] longest = harness.Decode[0].ReceivedRequests
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("messages").EnumerateArray().ToArray())
            .OrderByDescending(m => m.Length)
            .First();
        Assert.Equal(["system", "user", "assistant", "user", "assistant", "user"], longest.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("The quick brown fox jumps over", longest[2].GetProperty("content").GetString());
        Assert.StartsWith("Conversation ", longest[3].GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains(" turn 2: ", longest[3].GetProperty("content").GetString(), StringComparison.Ordinal);

        using var http = new HttpClient();
        FleetWork fleet = await FleetStatsReader.ReadAsync(http, options, runner.TurnsSent, CancellationToken.None);
        Assert.Equal(["prefill", "decode"], fleet.Pods.Select(p => p.Role));
        Assert.Equal(schedule.Count * 3, fleet.PrefillRequests);
        Assert.Equal(schedule.Count * 3, fleet.DecodeRequests);
        // What the reader found is what the pod counted; later turns find their history and the shared system prompt.
        Assert.Equal(harness.Prefill[0].Stats[SimulatorCounter.PromptTokensComputed], fleet.PrefillComputed);
        Assert.Equal(harness.Prefill[0].Stats[SimulatorCounter.PromptTokensCached], fleet.PrefillCached);
        Assert.True(fleet.PrefillComputed > 0 && fleet.PrefillCached > 0, $"prefill computed {fleet.PrefillComputed}, cached {fleet.PrefillCached}");
        Assert.Equal(1.0, fleet.DisaggregatedShare, 6);
        Assert.Equal(1.0, fleet.MaxPrefillShare, 6);
    }
}
