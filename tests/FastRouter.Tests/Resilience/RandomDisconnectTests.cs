using System.Text;
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
                    if (await SendAndMaybeLeaveAsync(harness, own))
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

    /// <summary>
    /// Sends a request and gives up after 0–15 ms; returns true when it gave up before the answer ended. One that
    /// was not given up must have been answered in full: a connection the router half-closed for an earlier client
    /// must never fail a later request.
    /// </summary>
    private static async Task<bool> SendAndMaybeLeaveAsync(RouterTestHarness harness, Random random)
    {
        bool stream = random.Next(2) == 0;
        string body = "{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":"
            + (1 + random.Next(20)) + (stream ? ",\"stream\":true}" : "}");
        using var leave = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(16)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        try
        {
            using HttpResponseMessage response = await harness.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token);
            string text = await response.Content.ReadAsStringAsync(leave.Token);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
            Assert.True(stream ? SseReader.Parse(text)[^1] == "[DONE]" : text.EndsWith('}'), text);
            return false;
        }
        catch (Exception exception) when (leave.IsCancellationRequested && exception is OperationCanceledException or HttpRequestException or IOException)
        {
            return true;
        }
    }
}
