using System.Text;
using System.Text.Json;
using FastRouter.LoadTests;
using FastRouter.LoadTests.Cli;
using FastRouter.LoadTests.Metrics;
using FastRouter.LoadTests.Reporting;
using FastRouter.LoadTests.Running;
using FastRouter.LoadTests.Scenarios;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.LoadTests;

/// <summary>The generator for about two seconds against the real router in front of simulator pods.</summary>
public sealed class LoadGeneratorIntegrationTests
{
    private const int MaxTokens = 8;

    [Fact]
    public async Task ClosedLoopStream_ThroughTheRouter_CountsAddUp()
    {
        await using RouterTestHarness harness = await StartAsync();
        LoadTestOptions options = Options("chat-stream") with { Target = harness.Address, Concurrency = 4 };

        RunResult result = await LoadRunner.RunAsync(options, TextWriter.Null, CancellationToken.None);

        MetricSet totals = result.Totals;
        Assert.Equal(0, totals.Failed);
        Assert.True(totals.Succeeded > 10, $"only {totals.Succeeded} requests succeeded");
        Assert.Equal(result.SentIncludingWarmup, result.SucceededIncludingWarmup + result.FailedIncludingWarmup + result.Cancelled);
        Assert.True(result.SucceededIncludingWarmup > totals.Succeeded, "warm-up requests must not be recorded");
        Assert.Equal(totals.Succeeded, totals[MetricKind.EndToEnd].TotalCount);
        Assert.Equal(totals.Succeeded, totals[MetricKind.TimeToFirstToken].TotalCount);
        Assert.Equal(totals.Succeeded, totals[MetricKind.TimePerOutputToken].TotalCount);
        Assert.Equal(totals.Succeeded * (MaxTokens - 1), totals[MetricKind.InterTokenLatency].TotalCount);
        Assert.Equal(totals.Succeeded * MaxTokens, totals.OutputTokens);
        Assert.Equal(0, totals[MetricKind.ScheduleLag].TotalCount);
        Assert.Equal(totals.Succeeded, result.Timeline.Sum(p => p.Succeeded));
    }

    [Fact]
    public async Task OpenLoopMixed_SendsAtAboutTheRate_AndWritesReports()
    {
        await using RouterTestHarness harness = await StartAsync();
        string output = Path.Combine(Path.GetTempPath(), "fastrouter-loadtests-" + Guid.NewGuid().ToString("N"));
        LoadTestOptions options = Options("mixed") with { Target = harness.Address, Rate = 100, Concurrency = 64, OutputDirectory = output };

        RunResult result = await LoadRunner.RunAsync(options, TextWriter.Null, CancellationToken.None);

        MetricSet totals = result.Totals;
        Assert.Equal(0, totals.Failed);

        // 2 s at 100/s: Poisson gives 200 ± 14 (one standard deviation); the bounds allow a slow test machine.
        Assert.InRange(totals.Succeeded, 140, 260);
        Assert.Equal(totals.Succeeded, totals[MetricKind.ScheduleLag].TotalCount);
        long streamed = totals[MetricKind.TimeToFirstToken].TotalCount;
        Assert.InRange(streamed, totals.Succeeded / 4, totals.Succeeded * 3 / 4);
        Assert.Equal(totals.Succeeded * MaxTokens, totals.OutputTokens);

        try
        {
            RunSummary summary = SummaryBuilder.Build(result, "--test");
            await LoadTestProgram.WriteReportsAsync(summary, result, output);
            using JsonDocument json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(output, "summary.json")));
            Assert.Equal(totals.Succeeded, json.RootElement.GetProperty("requests").GetProperty("succeeded").GetInt64());
            Assert.True(json.RootElement.GetProperty("metrics").GetProperty("ttft").GetProperty("p99_ms").GetDouble() > 0);
            Assert.Equal(Environment.ProcessorCount, json.RootElement.GetProperty("machine").GetProperty("processor_count").GetInt32());
            string html = await File.ReadAllTextAsync(Path.Combine(output, "report.html"));
            Assert.Contains("<svg", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
            Assert.DoesNotContain("http://cdn", html, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task DirectMode_CallsPrefillThenDecode_WithoutTheRouter()
    {
        await using RouterTestHarness harness = await StartAsync();
        LoadTestOptions options = Options("completions-stream") with
        {
            DirectPrefill = new Uri(harness.Prefill[0].BaseAddress, "/"),
            DirectDecode = new Uri(harness.Decode[0].BaseAddress, "/"),
            Concurrency = 2,
        };

        RunResult result = await LoadRunner.RunAsync(options, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, result.Totals.Failed);
        Assert.True(result.Totals.Succeeded > 5);
        Assert.Equal(result.Totals.Succeeded * MaxTokens, result.Totals.OutputTokens);
        string prefill = Encoding.UTF8.GetString(harness.Prefill[0].ReceivedRequests.Last().Body);
        string decode = Encoding.UTF8.GetString(harness.Decode[0].ReceivedRequests.Last().Body);
        Assert.Contains("\"do_remote_decode\":true", prefill, StringComparison.Ordinal);
        Assert.Contains("\"max_tokens\":1,", prefill, StringComparison.Ordinal);
        Assert.Contains("\"kv_transfer_params\":{", decode, StringComparison.Ordinal);
        Assert.Contains("remote_block_ids", decode, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableTarget_IsCountedAsConnectionRefused()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        LoadTestOptions options = Options("chat") with { Target = new Uri($"http://127.0.0.1:{port}/"), Concurrency = 1, Duration = TimeSpan.FromMilliseconds(300), Warmup = TimeSpan.Zero };

        RunResult result = await LoadRunner.RunAsync(options, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, result.Totals.Succeeded);
        Assert.True(result.Totals.Errors[(int)FastRouter.LoadTests.Http.ErrorCause.ConnectionRefused] > 0);
        Assert.Equal(result.Totals.Failed, result.Totals.Errors[(int)FastRouter.LoadTests.Http.ErrorCause.ConnectionRefused]);
    }

    private static Task<RouterTestHarness> StartAsync() =>
        RouterTestHarness.StartAsync(
            prefill: new SimulatorOptions { Role = SimulatorRole.Prefill },
            decode: new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(2) },
            logLevel: LogLevel.Warning);

    private static LoadTestOptions Options(string scenario) => new()
    {
        Scenario = ScenarioCatalog.Find(scenario)!,
        Name = "test",
        OutputDirectory = Path.GetTempPath(),
        Duration = TimeSpan.FromSeconds(2),
        Warmup = TimeSpan.FromMilliseconds(500),
        DrainTimeout = TimeSpan.FromSeconds(10),
        RequestTimeout = TimeSpan.FromSeconds(10),
        PromptTokens = LengthDistribution.Fixed(32),
        MaxTokens = LengthDistribution.Fixed(MaxTokens),
        Progress = false,
    };
}
