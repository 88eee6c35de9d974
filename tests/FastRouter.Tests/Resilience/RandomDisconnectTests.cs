using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// Clients that give up at random moments, many at once: whichever phase each one left in, no KV block stays held
/// and no generation keeps running. <see cref="DisconnectTests"/> leaves at each phase on purpose; this finds the
/// moments between them. The prefill pods' clock stands still, so no lease can hide a block the router stranded.
/// </summary>
public sealed class RandomDisconnectTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ClientsLeavingAtRandom_StrandNoKv_AndLeaveNothingRunning(int seed)
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), decodeInterTokenLatency: TimeSpan.FromMilliseconds(2));
        var random = new Random(seed);
        var clients = new Task[8];
        int left = 0;
        for (int c = 0; c < clients.Length; c++)
        {
            // Each client's own generator, seeded from the test's, so the run replays.
            var own = new Random(random.Next());
            clients[c] = Task.Run(async () =>
            {
                for (int i = 0; i < 25; i++)
                {
                    if (await GivingUpClient.SendAndMaybeLeaveAsync(harness.Client, own))
                    {
                        Interlocked.Increment(ref left);
                    }
                }
            });
        }

        await Task.WhenAll(clients);

        Assert.True(left > 0, "no client left early");
        Assert.True(
            await Eventually.TrueAsync(() => Fleet.HeldBlocks(harness) == 0, TimeSpan.FromSeconds(10)),
            $"KV blocks still held: {Fleet.HeldBlocks(harness)}; clients that left: " + string.Join(", ", harness.Logs.Lines.Where(l => l.EventId.Id is 16 or 20).GroupBy(l => l.Message[..l.Message.IndexOf('[', StringComparison.Ordinal)]).Select(g => g.Count() + " " + g.Key.Trim())));
        Assert.True(await Eventually.TrueAsync(() => harness.Decode.Sum(d => d.RunningRequests) == 0, TimeSpan.FromSeconds(10)), "decode kept running");
        Assert.Equal(0, harness.Prefill.Sum(p => p.RunningRequests));
    }
}
