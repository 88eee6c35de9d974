using FastRouter.Tests.Harness;
using FastRouter.Telemetry;

namespace FastRouter.Tests.Telemetry;

public sealed class StatsLoggerTests
{
    [Fact]
    public async Task LogStats_PrintsAPerPodSummaryEveryInterval()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { LogStats = true, LogStatsInterval = TimeSpan.FromMilliseconds(100) });
        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", "{\"model\":\"llama31-8b\",\"prompt\":\"x\"}");
        await response.Content.ReadAsStringAsync();

        CapturedLog? stats = null;
        for (int i = 0; i < 100 && stats is null; i++)
        {
            await Task.Delay(50);
            stats = harness.Logs.Lines.LastOrDefault(l => l.Category.EndsWith(nameof(StatsLogger), StringComparison.Ordinal) && l.Message.Contains("requests=1", StringComparison.Ordinal));
        }

        Assert.NotNull(stats);
        Assert.Contains("1 prefill and 1 decode pods", stats.Message, StringComparison.Ordinal);
        Assert.Contains(harness.Prefill[0].BaseAddress.GetLeftPart(UriPartial.Authority) + " role=prefill model=llama31-8b in_flight=0 requests=1 failures=0", stats.Message, StringComparison.Ordinal);
        Assert.Contains("role=decode", stats.Message, StringComparison.Ordinal);
    }
}
