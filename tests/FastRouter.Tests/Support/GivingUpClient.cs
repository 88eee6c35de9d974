using System.Text;
using FastRouter.Tests.Harness;

namespace FastRouter.Tests.Support;

/// <summary>
/// A client that gives up at a chosen moment: a chat request (streamed or not, 1–20 tokens) abandoned 0–15 ms after
/// it was sent, as its <see cref="GiveUpPlan"/> says, so across many of them every phase of the flow gets a client
/// leaving in it.
/// </summary>
internal static class GivingUpClient
{
    /// <summary>
    /// Sends one request; returns true when it gave up before the answer ended. One that was not given up must have
    /// been answered in full: a connection the router half-closed for an earlier client must never fail a later one.
    /// </summary>
    public static async Task<bool> SendAndMaybeLeaveAsync(HttpClient client, GiveUpPlan plan)
    {
        ArgumentNullException.ThrowIfNull(client);
        string body = RequestBodies.Chat(plan.MaxTokens, plan.Stream);
        using var leave = new CancellationTokenSource(plan.LeaveAfter);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        try
        {
            using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token);
            string text = await response.Content.ReadAsStringAsync(leave.Token);
            Assert.True(response.IsSuccessStatusCode, $"{plan}: {(int)response.StatusCode} {text}");
            Assert.True(plan.Stream ? SseReader.Parse(text)[^1] == "[DONE]" : text.EndsWith('}'), $"{plan}: {text}");
            return false;
        }
        catch (Exception exception) when (leave.IsCancellationRequested && exception is OperationCanceledException or HttpRequestException or IOException)
        {
            return true;
        }
    }
}
