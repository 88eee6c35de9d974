using FastRouter.Tests.Harness;
using Microsoft.Extensions.Logging;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// The per-request log lines are production-stack's, at its level (Information, the default), and carry the request
/// id; --log-level warning leaves them out.
/// </summary>
public sealed class RequestLogTests
{
    private static readonly string Body = RequestBodies.Completion(2);

    [Fact]
    public async Task AtTheDefaultLevel_TheSeedsLinesAppearInOrderWithTheRequestId()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(logLevel: LogLevel.Information);
        Assert.Equal(LogLevel.Information, harness.Options.LogLevel);

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body, requestId: "log-me");
        await response.Content.ReadAsStringAsync();

        string prefill = harness.Prefill[0].BaseAddress.GetLeftPart(UriPartial.Authority);
        string decode = harness.Decode[0].BaseAddress.GetLeftPart(UriPartial.Authority);
        CapturedLog[] proxyLines = [.. harness.Logs.Lines.Where(l => l.Category.EndsWith("OrchestratedProxy", StringComparison.Ordinal))];
        string[] lines = [.. proxyLines.Select(l => l.Message)];
        Assert.All(proxyLines, l => Assert.Equal(LogLevel.Information, l.Level));
        string[] expected =
        [
            "Starting orchestrated disaggregated inference",
            "Prefill endpoint: " + prefill,
            "Decode endpoint: " + decode,
            "Sending prefill request to " + prefill + "/v1/completions",
            "Prefill completed in ",
            "Sending decode request to " + decode + "/v1/completions",
            "Orchestrated request completed, total time = ",
        ];
        Assert.Equal(expected.Length, lines.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.StartsWith(expected[i], lines[i], StringComparison.Ordinal);
            Assert.EndsWith("[request_id=log-me]", lines[i], StringComparison.Ordinal);
        }

        Assert.Matches(@"Prefill completed in \d+\.\d\ds \(TTFT\)", lines[4]);
        Assert.Matches(@"total time = \d+\.\d\ds", lines[6]);
    }

    [Fact]
    public async Task AtDebug_ThePrefillResponseKeysAreLogged()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(logLevel: LogLevel.Debug);

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);
        await response.Content.ReadAsStringAsync();

        CapturedLog keys = Assert.Single(harness.Logs.Lines, l => l.EventId.Id == 6);
        Assert.Equal(LogLevel.Debug, keys.Level);
        Assert.Contains("kv_transfer_params", keys.Message, StringComparison.Ordinal);
        Assert.Contains("choices", keys.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AtInfo_ThePrefillResponseKeysAreNotLogged()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(logLevel: LogLevel.Information);

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);
        await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 1);
        Assert.DoesNotContain(harness.Logs.Lines, l => l.EventId.Id == 6);
    }

    [Fact]
    public async Task AtWarning_NoPerRequestLinesAreWritten()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { LogLevel = LogLevel.Warning });

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);
        await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.DoesNotContain(harness.Logs.Lines, l => l.Category.EndsWith("OrchestratedProxy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_NeverContainThePrompt()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { LogLevel = LogLevel.Trace }, logLevel: LogLevel.Trace);

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", "{\"model\":\"llama31-8b\",\"prompt\":\"SECRET-PROMPT-TEXT\",\"max_tokens\":2}");
        await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain(harness.Logs.Lines, l => l.Message.Contains("SECRET-PROMPT-TEXT", StringComparison.Ordinal));
    }
}
