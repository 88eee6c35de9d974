using System.Text;

namespace FastRouter.Tests.Support;

/// <summary>
/// A client that closes its connection at a chosen moment, as a user closing a tab does: its read (or its wait for
/// the headers) is cancelled, which makes <c>HttpClient</c> close the socket at once rather than drain the answer.
/// Returns when it left, on the system clock, to compare with a simulator's <c>LastClientAbortAt</c>.
/// </summary>
internal static class LeavingClient
{
    /// <summary>Reads a streamed answer for <paramref name="readFor"/> (its first bytes at least), then leaves.</summary>
    public static async Task<DateTimeOffset> LeaveMidStreamAsync(HttpClient client, string path, string body, TimeSpan readFor)
    {
        using var leave = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token);
        Assert.Equal(200, (int)response.StatusCode);
        Stream stream = await response.Content.ReadAsStreamAsync(leave.Token);
        var buffer = new byte[4096];
        Assert.True(await stream.ReadAsync(buffer, leave.Token) > 0, "the stream ended before its first bytes");
        Task reading = Task.Run(async () =>
        {
            while (await stream.ReadAsync(buffer, leave.Token) > 0)
            {
            }
        });
        // Real time: the client stays for as long as a user would, with the pod streaming on its own clock.
        await Task.Delay(readFor);
        Assert.False(reading.IsCompleted, "the stream ended before the client left");
        DateTimeOffset leftAt = DateTimeOffset.UtcNow;
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => reading);
        return leftAt;
    }

    /// <summary>Sends a request, waits until <paramref name="moment"/> and then <paramref name="thenWait"/>, then leaves before any answer.</summary>
    public static async Task<DateTimeOffset> LeaveBeforeTheAnswerAsync(HttpClient client, string path, string body, Func<bool> moment, TimeSpan thenWait)
    {
        using var leave = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        Task<HttpResponseMessage> sending = client.SendAsync(request, leave.Token);
        Assert.True(await Eventually.TrueAsync(moment), "the request never reached the moment to leave");
        // Real time: what is under test is how soon after this wall-clock moment the pod sees the abort.
        await Task.Delay(thenWait);
        Assert.False(sending.IsCompleted, "the answer came before the client left");
        DateTimeOffset leftAt = DateTimeOffset.UtcNow;
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        return leftAt;
    }
}
