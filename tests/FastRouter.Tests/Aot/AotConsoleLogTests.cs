using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FastRouter.Simulation;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The binary's standard output as <c>kubectl logs</c> shows it: the seed's seven lines per request at the default
/// level (the demo included), and a standard output nobody reads never holding requests up.
/// </summary>
[Collection(AotCollection.Name)]
public sealed class AotConsoleLogTests(AotBinaryFixture fixture)
{
    private static readonly string[] SeedLines =
    [
        @"Starting orchestrated disaggregated inference",
        @"Prefill endpoint: http://\S+",
        @"Decode endpoint: http://\S+",
        @"Sending prefill request to http://\S+/v1/chat/completions",
        @"Prefill completed in \d+\.\d\ds \(TTFT\)",
        @"Sending decode request to http://\S+/v1/chat/completions",
        @"Orchestrated request completed, total time = \d+\.\d\ds",
    ];

    [Fact]
    public async Task Demo_AtTheDefaultLevel_PrintsTheSeedsSevenLinesForARequest()
    {
        int port = FreePort.Get();
        using NativeProcess demo = NativeProcess.Start(fixture.BinaryPath, "--demo", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        await demo.WaitUntilServingAsync(client, "/health");

        // The banner's curl command, with a request id to find its lines by.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(RequestBodies.Chat(3), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Request-Id", "demo-seed-1");
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);

        // Lines reach standard output from the log writer's thread, a moment after the answer.
        Assert.True(
            await Eventually.TrueAsync(() => demo.Output.Contains("total time", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "no completion line:\n" + demo.Output);
        string[] lines = [.. demo.Output.Split('\n').Where(l => l.Contains("[request_id=demo-seed-1]", StringComparison.Ordinal))];
        Assert.Equal(SeedLines.Length, lines.Length);
        for (int i = 0; i < SeedLines.Length; i++)
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info: FastRouter\.Proxying\.OrchestratedProxy\[\d+\] " + SeedLines[i] + @" \[request_id=demo-seed-1\]$", lines[i]);
        }
    }

    [Fact]
    public async Task AStandardOutputNobodyReads_NeverHoldsARequest_AndTheDroppedLinesAreCounted()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        int port = FreePort.Get();
        var info = new ProcessStartInfo(fixture.BinaryPath, NativeProcess.PodPairArguments(port, prefill.BaseAddress, decode.BaseAddress))
        {
            // Redirected and never read: once the pipe's 64 KiB are full, every write to standard output waits.
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.Environment.Remove("VLLM_API_KEY");
        info.Environment.Remove("KUBECONFIG");
        using Process router = Process.Start(info)!;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
            await NativeProcess.WaitUntilServingAsync(client, "/livez", router, () => "(its output is the pipe nobody reads)");

            // About 1 KB of lines per request: 3,000 requests write about three times what the pipe and the
            // router's two buffers hold. Each must still be answered (the client's 20 s timeout would fail it).
            const int Requests = 3000;
            int next = 0;
            int succeeded = 0;
            async Task RunAsync()
            {
                while (Interlocked.Increment(ref next) <= Requests)
                {
                    using var content = new StringContent(RequestBodies.Completion(2, prompt: "hi"), Encoding.UTF8, "application/json");
                    using HttpResponseMessage response = await client.PostAsync("/v1/completions", content);
                    if ((int)response.StatusCode == 200)
                    {
                        Interlocked.Increment(ref succeeded);
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => RunAsync()));
            Assert.Equal(Requests, succeeded);

            string metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Match dropped = Regex.Match(metrics, @"^fastrouter_log_lines_dropped_total (\d+)$", RegexOptions.Multiline);
            Assert.True(dropped.Success, "no fastrouter_log_lines_dropped_total in /metrics");
            Assert.True(long.Parse(dropped.Groups[1].Value, CultureInfo.InvariantCulture) > 0, "no line was counted as dropped");
        }
        finally
        {
            router.Kill(entireProcessTree: true);
            await router.WaitForExitAsync();
        }
    }
}
