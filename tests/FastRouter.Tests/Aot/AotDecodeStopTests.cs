using System.Globalization;
using FastRouter.Tests.Support;
using Xunit.Abstractions;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The in-process <c>DecodeStopTests</c>, against the product: a client that leaves mid-decode gets the decode pod's
/// connection closed at once, streamed or not, never drained for the pool (which would keep the pod generating for
/// nobody for 2 s). Measured from the client closing its socket to the decode pod process seeing the abort.
/// </summary>
[Collection(AotCollection.Name)]
public sealed class AotDecodeStopTests(AotBinaryFixture fixture, ITestOutputHelper output)
{
    private const int Runs = 5;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    private readonly string _binary = fixture.BinaryPath;

    [Fact]
    public async Task AClientLeavingMidDecode_ClosesTheDecodeConnectionAtOnce_StreamedOrNot()
    {
        // A token every 20 ms: a 2,000-token answer would run 40 s, so only the router can end it early.
        await using Orchestrator pods = await Orchestrator.StartAsync(_binary, "warning", "--itl-ms", "20");
        var streamed = new List<TimeSpan>();
        var json = new List<TimeSpan>();
        for (int run = 0; run < Runs; run++)
        {
            long aborts = (await pods.DecodeAbortsAsync()).Aborts;
            DateTimeOffset leftAt = await LeavingClient.LeaveMidStreamAsync(
                pods.Client, "/v1/completions", RequestBodies.Completion(2000, stream: true, prompt: "Once"), TimeSpan.FromMilliseconds(300));
            streamed.Add(await DecodeAbortedAfterAsync(pods, aborts, leftAt));

            // A JSON answer's headers come only when its generation ends: the client leaves before them, once the pod
            // has had the request longer than the router's grace for taking it into its engine (1 s).
            aborts = (await pods.DecodeAbortsAsync()).Aborts;
            leftAt = await LeavingClient.LeaveBeforeTheAnswerAsync(
                pods.Client, "/v1/chat/completions", RequestBodies.Chat(2000, content: "Hi"), () => true, TimeSpan.FromSeconds(1.5));
            json.Add(await DecodeAbortedAfterAsync(pods, aborts, leftAt));
        }

        Report("stream", streamed);
        Report("json", json);
        Assert.All(streamed.Concat(json), delay => Assert.True(delay < Bound, $"the decode pod saw the abort {delay.TotalMilliseconds:F0} ms after the client left"));
        Assert.Equal(0, await pods.HeldKvBlocksOnceSettledAsync());
    }

    private static async Task<TimeSpan> DecodeAbortedAfterAsync(Orchestrator pods, long abortsBefore, DateTimeOffset leftAt)
    {
        (long Aborts, DateTimeOffset? LastAbortAt) stats = await Eventually.ValueAsync(pods.DecodeAbortsAsync, stats => stats.Aborts != abortsBefore, TimeSpan.FromSeconds(10));
        Assert.True(stats.Aborts != abortsBefore, "the decode pod never saw its request aborted");
        Assert.Equal(abortsBefore + 1, stats.Aborts);
        return stats.LastAbortAt!.Value - leftAt;
    }

    private void Report(string what, List<TimeSpan> delays)
    {
        List<double> sorted = [.. delays.Select(d => d.TotalMilliseconds).Order()];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: client left -> decode aborted, ms: {string.Join(", ", sorted.Select(d => d.ToString("F1", CultureInfo.InvariantCulture)))} (p50 {sorted[sorted.Count / 2]:F1}, max {sorted[^1]:F1})"));
    }
}
