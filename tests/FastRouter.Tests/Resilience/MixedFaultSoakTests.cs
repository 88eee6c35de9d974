using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// Faults injected at random into two prefill and two decode pods while streaming and non-streaming clients,
/// some of them leaving early, keep the router busy. Every request must be answered or cleanly failed (an
/// OpenAI-shaped error status or an SSE error event), no KV block may stay held once leases have run out, and
/// the router's memory must stay flat. CI runs it briefly; FASTROUTER_SOAK_SECONDS=600 is the 10-minute soak
/// recorded in docs/benchmarks.md.
/// </summary>
public sealed class MixedFaultSoakTests
{
    private static readonly SimulatorFaultMode[] Faults =
    [
        SimulatorFaultMode.Status500, SimulatorFaultMode.Status503, SimulatorFaultMode.ResetConnection, SimulatorFaultMode.Hang,
        SimulatorFaultMode.SlowPrefill, SimulatorFaultMode.DropMidStream, SimulatorFaultMode.FailKvPull, SimulatorFaultMode.SlowAnswerBody,
    ];

    [Fact]
    public async Task UnderRandomFaults_EveryRequestIsAnsweredOrCleanlyFailed_AndNoKvIsStranded()
    {
        TimeSpan duration = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("FASTROUTER_SOAK_SECONDS") ?? "12", CultureInfo.InvariantCulture));
        TimeSpan lease = TimeSpan.FromSeconds(3);
        SimulatorOptions Prefill() => new() { Role = SimulatorRole.Prefill, KvLeaseDuration = lease };
        SimulatorOptions Decode() => new() { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(5) };
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [Prefill(), Prefill()],
            [Decode(), Decode()],
            o => o with
            {
                PrefillTimeout = TimeSpan.FromSeconds(2),
                DecodeFirstByteTimeout = TimeSpan.FromSeconds(2),
                StreamIdleTimeout = TimeSpan.FromSeconds(2),
                EjectionTime = TimeSpan.FromSeconds(1),
                ActiveHealthChecks = true,
                HealthCheckInterval = TimeSpan.FromSeconds(1),
                LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            },
            Microsoft.Extensions.Logging.LogLevel.Warning);
        VllmSimulator[] pods = [.. harness.Prefill, .. harness.Decode];
        var tally = new SoakTally();
        using var stop = new CancellationTokenSource(duration);

        Task injector = InjectFaultsAsync(pods, stop.Token);
        var clients = new Task[12];
        for (int i = 0; i < clients.Length; i++)
        {
            clients[i] = RunClientAsync(harness, new Random(1000 + i), tally, stop.Token);
        }

        long memoryBefore = 0;
        var sampler = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(500, CancellationToken.None);
            if (memoryBefore == 0 && sampler.Elapsed > duration / 4)
            {
                memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        await Task.WhenAll(clients);
        await injector;
        foreach (VllmSimulator pod in pods)
        {
            pod.Faults.Clear();
        }

        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"SOAK {duration.TotalSeconds:F0}s: {tally}; managed heap {memoryBefore / 1048576.0:F1} -> {memoryAfter / 1048576.0:F1} MiB");

        Assert.True(tally.Unclean == 0, "requests that were neither answered nor cleanly failed: " + tally);
        Assert.True(tally.Succeeded > tally.Total / 2, "most requests should succeed through the faults: " + tally);
        Assert.True(await Eventually.TrueAsync(() => harness.Prefill.Sum(p => p.HeldKvBlocks) == 0, lease + TimeSpan.FromSeconds(10)),
            "KV blocks still held after the leases ran out: " + harness.Prefill.Sum(p => p.HeldKvBlocks));
        Assert.True(memoryAfter < memoryBefore + (64L * 1024 * 1024), $"memory grew from {memoryBefore} to {memoryAfter} bytes");
    }

    private static async Task InjectFaultsAsync(VllmSimulator[] pods, CancellationToken stop)
    {
        var random = new Random(7);
        while (!stop.IsCancellationRequested)
        {
            VllmSimulator pod = pods[random.Next(pods.Length)];
            SimulatorFaultMode mode = Faults[random.Next(Faults.Length)];
            pod.Faults.Set(mode, count: random.Next(1, 4), delay: TimeSpan.FromMilliseconds(random.Next(50, 400)), afterEvents: random.Next(0, 4));
            try
            {
                await Task.Delay(random.Next(100, 600), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task RunClientAsync(RouterTestHarness harness, Random random, SoakTally tally, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            bool stream = random.Next(2) == 0;
            bool chat = random.Next(2) == 0;
            bool leaveEarly = random.Next(10) == 0;
            int tokens = random.Next(4, 30);
            string body = chat
                ? $"{{\"model\":\"llama31-8b\",\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}],\"max_tokens\":{tokens},\"stream\":{(stream ? "true" : "false")}}}"
                : $"{{\"model\":\"llama31-8b\",\"prompt\":\"hi\",\"max_tokens\":{tokens},\"stream\":{(stream ? "true" : "false")}}}";
            using var request = new HttpRequestMessage(HttpMethod.Post, chat ? "/v1/chat/completions" : "/v1/completions")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            using var leave = new CancellationTokenSource();
            if (leaveEarly)
            {
                leave.CancelAfter(random.Next(1, 150));
            }

            try
            {
                using HttpResponseMessage response = await harness.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token);
                string text = await response.Content.ReadAsStringAsync(leave.Token);
                tally.Record(Classify((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, text));
            }
            catch (OperationCanceledException) when (leave.IsCancellationRequested)
            {
                tally.Record(SoakOutcome.ClientLeft);
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                // The router cut the connection: only allowed for a JSON body broken after it began, never here.
                tally.Record(SoakOutcome.Unclean, exception.Message);
            }
        }
    }

    private static (SoakOutcome Outcome, string? Detail) Classify(int status, string? mediaType, string text)
    {
        try
        {
            if (mediaType == "text/event-stream")
            {
                List<string> events = SseReader.Parse(text);
                if (events[^1] == "[DONE]")
                {
                    return (SoakOutcome.Succeeded, null);
                }

                using JsonDocument last = JsonDocument.Parse(events[^1]);
                return last.RootElement.TryGetProperty("error", out _) ? (SoakOutcome.CleanlyFailed, null) : (SoakOutcome.Unclean, "stream ended without [DONE] or error");
            }

            using JsonDocument json = JsonDocument.Parse(text);
            if (status == 200 && json.RootElement.TryGetProperty("choices", out _))
            {
                return (SoakOutcome.Succeeded, null);
            }

            JsonElement error = json.RootElement.GetProperty("error");
            return error.TryGetProperty("message", out _) && error.TryGetProperty("type", out _) && status >= 400
                ? (SoakOutcome.CleanlyFailed, null)
                : (SoakOutcome.Unclean, "status " + status + ": " + text);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or Xunit.Sdk.XunitException or InvalidOperationException)
        {
            return (SoakOutcome.Unclean, "status " + status + ": " + (text.Length > 300 ? text[..300] : text));
        }
    }

    private enum SoakOutcome
    {
        Succeeded,
        CleanlyFailed,
        ClientLeft,
        Unclean,
    }

    private sealed class SoakTally
    {
        private readonly int[] _counts = new int[4];
        private string? _firstUnclean;

        public int Succeeded => Volatile.Read(ref _counts[(int)SoakOutcome.Succeeded]);

        public int Unclean => Volatile.Read(ref _counts[(int)SoakOutcome.Unclean]);

        public int Total => _counts.Sum();

        public void Record((SoakOutcome Outcome, string? Detail) result) => Record(result.Outcome, result.Detail);

        public void Record(SoakOutcome outcome, string? detail = null)
        {
            Interlocked.Increment(ref _counts[(int)outcome]);
            if (outcome == SoakOutcome.Unclean)
            {
                Interlocked.CompareExchange(ref _firstUnclean, detail, null);
            }
        }

        public override string ToString() =>
            $"{Total} requests: {_counts[0]} succeeded, {_counts[1]} cleanly failed, {_counts[2]} client left, {_counts[3]} unclean (first: {_firstUnclean ?? "none"})";
    }
}
