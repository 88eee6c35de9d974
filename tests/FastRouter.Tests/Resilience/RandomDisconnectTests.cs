using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// Clients that give up at random moments, many at once: whichever phase each one left in, no KV block stays held
/// and no generation keeps running. <see cref="DisconnectTests"/> leaves at each phase on purpose; this finds the
/// moments between them. The prefill pods' clock stands still, so no lease can hide a block the router stranded.
/// Every choice (each request's kind, length and leaving time) is drawn from the seed before the clients start:
/// a failure names its seed, and an InlineData of it replays the same requests.
/// </summary>
public sealed class RandomDisconnectTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ClientsLeavingAtRandom_StrandNoKv_AndLeaveNothingRunning(int seed)
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), decodeInterTokenLatency: TimeSpan.FromMilliseconds(2));
        const int Clients = 8;
        const int RequestsEach = 25;

        // Drawn before any client starts: client c sends plans c*25 to c*25+24, whichever thread runs it.
        GiveUpPlan[] plans = GiveUpPlan.Draw(seed, Clients * RequestsEach);
        var clients = new Task[Clients];
        int left = 0;
        for (int c = 0; c < clients.Length; c++)
        {
            ArraySegment<GiveUpPlan> own = new(plans, c * RequestsEach, RequestsEach);
            clients[c] = Task.Run(async () =>
            {
                foreach (GiveUpPlan plan in own)
                {
                    if (await GivingUpClient.SendAndMaybeLeaveAsync(harness.Client, plan))
                    {
                        Interlocked.Increment(ref left);
                    }
                }
            });
        }

        await Task.WhenAll(clients);

        Assert.True(left > 0, $"seed {seed}: no client left early");
        Assert.True(
            await Eventually.TrueAsync(() => Fleet.HeldBlocks(harness) == 0, TimeSpan.FromSeconds(10)),
            $"seed {seed}: KV blocks still held: {Fleet.HeldBlocks(harness)}; clients that left: " + string.Join(", ", harness.Logs.Lines.Where(l => l.EventId.Id is 16 or 20).GroupBy(l => l.Message[..l.Message.IndexOf('[', StringComparison.Ordinal)]).Select(g => g.Count() + " " + g.Key.Trim())));
        Assert.True(await Eventually.TrueAsync(() => harness.Decode.Sum(d => d.RunningRequests) == 0, TimeSpan.FromSeconds(10)), $"seed {seed}: decode kept running");
        Assert.True(harness.Prefill.Sum(p => p.RunningRequests) == 0, $"seed {seed}: prefill kept running");
    }

    /// <summary>What makes a seed replay: its plans depend on it alone, not on a shared generator or the clock.</summary>
    [Fact]
    public void TheSameSeed_DrawsTheSamePlans_AndAnotherSeedOthers()
    {
        GiveUpPlan[] first = GiveUpPlan.Draw(2, 200);
        _ = GiveUpPlan.Draw(1, 200);
        Assert.Equal(first, GiveUpPlan.Draw(2, 200));
        Assert.NotEqual(first, GiveUpPlan.Draw(3, 200));
        Assert.Contains(first, plan => plan.Stream);
        Assert.Contains(first, plan => !plan.Stream);
        Assert.Contains(first, plan => plan.LeaveAfter == TimeSpan.Zero);
        Assert.Contains(first, plan => plan.LeaveAfter == TimeSpan.FromMilliseconds(15));
    }
}
