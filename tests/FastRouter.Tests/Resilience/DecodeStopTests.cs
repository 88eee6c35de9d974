using System.Globalization;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Xunit.Abstractions;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// A client that leaves while decode generates: the decode pod's connection is closed as soon as the router notices,
/// never drained for reuse (a pooled handler's default drain would keep the pod generating for nobody for 2 s).
/// Measured from the client closing its socket to the decode pod seeing its request aborted; the bound is generous
/// for a loaded machine and still half the drain it guards against.
/// </summary>
public sealed class DecodeStopTests(ITestOutputHelper output)
{
    private const int Runs = 5;

    /// <summary>A paced stream: a token every 20 ms, 2,000 of them (40 s), so only the router can end it early.</summary>
    private static readonly string LongStream = RequestBodies.Completion(2000, stream: true, prompt: "Once");

    private static readonly string LongChat = RequestBodies.Chat(2000);

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task AStreamTheClientLeaves_IsCutOnTheDecodePodAtOnce()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), decodeInterTokenLatency: TimeSpan.FromMilliseconds(20));
        var delays = new List<TimeSpan>();
        for (int run = 0; run < Runs; run++)
        {
            long aborts = ClientAborts(harness);
            DateTimeOffset leftAt = await LeavingClient.LeaveMidStreamAsync(harness.Client, "/v1/completions", LongStream, TimeSpan.FromMilliseconds(300));
            delays.Add(await DecodeAbortedAfterAsync(harness, aborts, leftAt));
        }

        Report("stream", delays);
        Assert.All(delays, delay => Assert.True(delay < Bound, $"the decode pod saw the abort {delay.TotalMilliseconds:F0} ms after the client left"));
        Assert.True(await Eventually.TrueAsync(() => harness.Decode.Sum(d => d.RunningRequests) == 0), "decode kept running");
        Assert.Equal(0, Fleet.HeldBlocks(harness));
    }

    [Fact]
    public async Task AJsonDecodeTheClientLeavesWhileItIsGenerated_IsCutOnTheDecodePodAtOnce()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), decodeInterTokenLatency: TimeSpan.FromMilliseconds(20));
        var delays = new List<TimeSpan>();
        for (int run = 0; run < Runs; run++)
        {
            // vLLM sends a JSON answer's headers only when its generation ends, so the client leaves before them, once
            // the pod has had the request longer than the router's grace for taking it into its engine (1 s).
            long aborts = ClientAborts(harness);
            DateTimeOffset leftAt = await LeavingClient.LeaveBeforeTheAnswerAsync(
                harness.Client, "/v1/chat/completions", LongChat, () => harness.Decode.Sum(d => d.RunningRequests) == 1, TimeSpan.FromSeconds(1.3));
            delays.Add(await DecodeAbortedAfterAsync(harness, aborts, leftAt));
        }

        Report("json", delays);
        Assert.All(delays, delay => Assert.True(delay < Bound, $"the decode pod saw the abort {delay.TotalMilliseconds:F0} ms after the client left"));
        Assert.True(await Eventually.TrueAsync(() => harness.Decode.Sum(d => d.RunningRequests) == 0), "decode kept running");
        Assert.Equal(0, Fleet.HeldBlocks(harness));
    }

    private static long ClientAborts(RouterTestHarness harness) => harness.Decode.Sum(d => d.Stats.ClientAborts);

    /// <summary>Waits for the decode pods' next abort and returns how long after <paramref name="leftAt"/> it came.</summary>
    private static async Task<TimeSpan> DecodeAbortedAfterAsync(RouterTestHarness harness, long abortsBefore, DateTimeOffset leftAt)
    {
        Assert.True(await Eventually.TrueAsync(() => ClientAborts(harness) == abortsBefore + 1, TimeSpan.FromSeconds(10)), "the decode pod never saw its request aborted");
        DateTimeOffset abortedAt = harness.Decode.Select(d => d.Stats.LastClientAbortAt ?? DateTimeOffset.MinValue).Max();
        return abortedAt - leftAt;
    }

    private void Report(string what, List<TimeSpan> delays)
    {
        List<double> sorted = [.. delays.Select(d => d.TotalMilliseconds).Order()];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: client left -> decode aborted, ms: {string.Join(", ", sorted.Select(d => d.ToString("F1", CultureInfo.InvariantCulture)))} (p50 {sorted[sorted.Count / 2]:F1}, max {sorted[^1]:F1})"));
    }
}
