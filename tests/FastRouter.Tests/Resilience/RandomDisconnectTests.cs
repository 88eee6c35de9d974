using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// Clients that give up at random moments, many at once: whichever phase each one left in, no KV block the router
/// could release stays held, and no generation keeps running. <see cref="DisconnectTests"/> leaves at each phase on purpose; this finds the
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
        // Held blocks are allowed only for a request whose prefill answer never reached the router: its client left
        // in the instant between the pod finishing and its answer arriving, and the pod, seeing the router's side shut,
        // dropped the answer (vLLM does the same: the blocks wait for its timeout). The router has no params to release
        // then. Any other held block is one the router stranded.
        Assert.True(
            await Eventually.TrueAsync(() => StrandedByTheRouter(harness).Length == 0, TimeSpan.FromSeconds(10)),
            $"seed {seed}: KV blocks still held: {Fleet.HeldBlocks(harness)}; clients that left: " + string.Join(", ", harness.Logs.Lines.Where(l => l.EventId.Id is 16 or 20).GroupBy(l => l.Message[..l.Message.IndexOf('[', StringComparison.Ordinal)]).Select(g => g.Count() + " " + g.Key.Trim()))
            + "; the stranded requests' router lines: " + LogOf(harness, StrandedByTheRouter(harness)));
        Assert.True(await Eventually.TrueAsync(() => harness.Decode.Sum(d => d.RunningRequests) == 0, TimeSpan.FromSeconds(10)), $"seed {seed}: decode kept running");
        Assert.True(harness.Prefill.Sum(p => p.RunningRequests) == 0, $"seed {seed}: prefill kept running");
    }

    /// <summary>
    /// The request ids whose blocks a prefill pod still holds although the router had that pod's answer (its
    /// "Prefill completed" line) or never logged the client leaving during prefill. A lease is named
    /// <c>{response id}-{suffix}</c>, the response id <c>{prefix}-{request id}</c>.
    /// </summary>
    private static string[] StrandedByTheRouter(RouterTestHarness harness)
    {
        var stranded = new List<string>();
        foreach (string lease in harness.Prefill.SelectMany(p => p.HeldKvRequestIds))
        {
            string responseId = lease[..lease.LastIndexOf('-')];
            string requestId = responseId[(responseId.IndexOf('-', StringComparison.Ordinal) + 1)..];
            CapturedLog[] lines = [.. harness.Logs.Lines.Where(l => l.Message.Contains(requestId, StringComparison.Ordinal))];
            bool answerNeverArrived = lines.Any(l => l.EventId.Id == 16 && l.Message.Contains("during prefill", StringComparison.Ordinal))
                && !lines.Any(l => l.EventId.Id == 5);
            if (!answerNeverArrived)
            {
                stranded.Add(requestId);
            }
        }

        return [.. stranded];
    }

    private static string LogOf(RouterTestHarness harness, string[] requestIds)
    {
        var text = new System.Text.StringBuilder();
        foreach (string requestId in requestIds)
        {
            text.Append('[').Append(requestId).Append(": ");
            text.AppendJoin(" | ", harness.Logs.Lines.Where(l => l.Message.Contains(requestId, StringComparison.Ordinal)).Select(l => l.EventId.Id + " " + l.Message));
            text.Append("] ");
        }

        return text.ToString();
    }
}
