using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastRouter.Simulation;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The binary's promises about signals with a stream still running: --shutdown-timeout cuts it when it runs past the
/// timeout, and a second SIGTERM stops the process at once instead of waiting out the delay and the timeout.
/// </summary>
[Collection(AotCollection.Name)]
public sealed class AotSignalTests(AotBinaryFixture fixture)
{
    /// <summary>About 30 s of tokens at 100 ms each: longer than any bound under test.</summary>
    private const string LongStream = "{\"model\":\"llama31-8b\",\"prompt\":\"x\",\"max_tokens\":300,\"stream\":true}";

    [Fact]
    public async Task ShutdownTimeout_CutsAStreamStillRunning_AndTheProcessExitsZero()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(100) });
        (NativeProcess router, HttpClient client) = await StartRouterAsync(prefill, decode, "--shutdown-delay=0", "--shutdown-timeout=2");
        using (router)
        using (client)
        {
            await using RunningStream stream = await RunningStream.OpenAsync(client);

            var clock = Stopwatch.StartNew();
            router.Terminate();
            int exitCode = await router.WaitForExitAsync(TimeSpan.FromSeconds(25));
            clock.Stop();
            string received = await stream.ReadRestAsync();

            Assert.Equal(0, exitCode);
            Assert.DoesNotContain("[DONE]", received, StringComparison.Ordinal);

            // Cut at about the 2 s timeout: not at once, and far before the ~30 s the stream would have run.
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"exited after {clock.Elapsed.TotalSeconds:F2} s, before the timeout");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"exited after {clock.Elapsed.TotalSeconds:F2} s");
        }
    }

    [Fact]
    public async Task ASecondSigterm_StopsAtOnce_WhileAStreamRuns()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(100) });
        (NativeProcess router, HttpClient client) = await StartRouterAsync(prefill, decode, "--shutdown-delay=20", "--shutdown-timeout=60");
        using (router)
        using (client)
        {
            await using RunningStream stream = await RunningStream.OpenAsync(client);
            router.Terminate();
            await WaitUntilDrainingAsync(client);

            var clock = Stopwatch.StartNew();
            router.Terminate();

            // The first signal alone would keep the process 20 s (the delay), then as long as the stream runs.
            Exception? late = await Record.ExceptionAsync(() => router.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            clock.Stop();
            Assert.True(late is null, "still running 10 s after the second SIGTERM:\n" + router.Output);
            int exitCode = await router.WaitForExitAsync(TimeSpan.FromSeconds(1));
            string received = await stream.ReadRestAsync();

            // Killed by SIGTERM, as a shell reports it: the stream was cut, not finished.
            Assert.Equal(143, exitCode);
            Assert.DoesNotContain("[DONE]", received, StringComparison.Ordinal);
            Assert.Contains("Shutting down", router.Output, StringComparison.Ordinal);
            Assert.Contains("SIGTERM while shutting down: stopping at once", router.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheHelp_SaysWhatASecondSignalDoes()
    {
        (int exitCode, string output) = await NativeProcess.RunAsync(fixture.BinaryPath, "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("A second signal while draining exits at once (code 143 for SIGTERM).", string.Join(' ', output.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    private async Task<(NativeProcess Router, HttpClient Client)> StartRouterAsync(VllmSimulator prefill, VllmSimulator decode, params string[] shutdownFlags)
    {
        int port = FreePort.Get();
        NativeProcess router = NativeProcess.Start(
            fixture.BinaryPath,
            [
                "--host", "127.0.0.1",
                "--port", port.ToString(CultureInfo.InvariantCulture),
                $"--static-backends={prefill.BaseAddress.GetLeftPart(UriPartial.Authority)},{decode.BaseAddress.GetLeftPart(UriPartial.Authority)}",
                "--static-model-labels=prefill,decode",
                "--prefill-model-labels=prefill",
                "--decode-model-labels=decode",
                .. shutdownFlags,
            ]);
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        await router.WaitUntilServingAsync(client, "/livez");
        return (router, client);
    }

    /// <summary>Polls /health until the first signal has been handled (it turns 503 at once, on the signal's thread).</summary>
    private static async Task WaitUntilDrainingAsync(HttpClient client)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            using HttpResponseMessage response = await client.GetAsync("/health");
            if ((int)response.StatusCode == 503)
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail("/health never turned 503 after SIGTERM");
    }

    /// <summary>A long stream through the router, its first event already read, so it is known to be running.</summary>
    private sealed class RunningStream : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly Stream _body;
        private readonly StringBuilder _received = new();

        private RunningStream(HttpResponseMessage response, Stream body)
        {
            _response = response;
            _body = body;
        }

        public static async Task<RunningStream> OpenAsync(HttpClient client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(LongStream, Encoding.UTF8, "application/json") };
            HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(200, (int)response.StatusCode);
            var stream = new RunningStream(response, await response.Content.ReadAsStreamAsync());
            await stream.ReadUntilAsync("\n\n");
            return stream;
        }

        /// <summary>Everything the router sent until it closed the stream (cleanly or not).</summary>
        public async Task<string> ReadRestAsync()
        {
            await ReadUntilAsync(null);
            return _received.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            await _body.DisposeAsync();
            _response.Dispose();
        }

        private async Task ReadUntilAsync(string? marker)
        {
            byte[] buffer = new byte[4096];
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            try
            {
                while (marker is null || !_received.ToString().Contains(marker, StringComparison.Ordinal))
                {
                    int read = await _body.ReadAsync(buffer, limit.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    _received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                }
            }
            catch (Exception exception) when (marker is null && exception is IOException or HttpRequestException)
            {
                // The router cut the connection: what arrived before is the answer.
            }
        }
    }
}
