using System.Text;
using System.Text.Json;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.Extensions.Logging;
using static FastRouter.Tests.Support.ScriptedAnswers;
using static FastRouter.Tests.Support.ScriptedPod;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// A pod answering with a status the router cannot relay as it is (informational, a redirect, a success that may carry
/// no body) has failed, like a 5xx: the client gets a 502 in the OpenAI shape, never a reset, an empty 500 or a bare
/// redirect typed as its own mistake; nothing throws; and a decode's params are released as after a 5xx.
/// </summary>
public sealed class UnrelayableStatusTests
{
    public static TheoryData<string, string> Answers => new()
    {
        { "304", "HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n" },
        { "101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n" },
        { "302", "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n" },
        { "301", "HTTP/1.1 301 Moved Permanently\r\nLocation: http://elsewhere/\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" },
        { "204", "HTTP/1.1 204 No Content\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task ADecodeStatusTheRouterCannotRelay_IsA502_AndItsParamsAreReleased(string status, string answer)
    {
        await using var prefill = new ScriptedPod((stream, _) => WriteAsync(stream, JsonAnswer(PrefillAnswer)));
        await using var decode = new ScriptedPod((stream, _) => WriteAsync(stream, Encoding.ASCII.GetBytes(answer)));
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, decode.BaseAddress);

        using HttpResponseMessage response = await router.PostChatAsync(ChatBody, HttpCompletionOption.ResponseContentRead);

        await AssertBadGatewayAsync(response, status, "decode");
        Assert.Contains(decode.Bodies, body => body.Contains("\"max_tokens\":1", StringComparison.Ordinal) && body.Contains("\"stream\":true", StringComparison.Ordinal));
        Assert.DoesNotContain(router.Logs.Lines, line => line.Level >= LogLevel.Error);
    }

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task APrefillStatusTheRouterCannotRelay_IsA502_AndDecodeIsNeverCalled(string status, string answer)
    {
        await using var prefill = new ScriptedPod((stream, _) => WriteAsync(stream, Encoding.ASCII.GetBytes(answer)));
        await using var decode = new ScriptedPod((stream, _) => WriteAsync(stream, JsonAnswer(DecodeAnswer)));
        await using PodPairRouter router = await PodPairRouter.StartAsync(prefill.BaseAddress, decode.BaseAddress);

        using HttpResponseMessage response = await router.PostChatAsync(ChatBody, HttpCompletionOption.ResponseContentRead);

        await AssertBadGatewayAsync(response, status, "prefill");
        Assert.Equal(0, decode.RequestCount);
        Assert.DoesNotContain(router.Logs.Lines, line => line.Level >= LogLevel.Error);
    }

    private static async Task AssertBadGatewayAsync(HttpResponseMessage response, string status, string role)
    {
        JsonElement error = await OpenAiErrorAssert.IsErrorAsync(response, 502, "BadGatewayError");
        string message = error.GetProperty("message").GetString()!;
        Assert.Contains(role, message, StringComparison.Ordinal);
        Assert.Contains(status, message, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Location"));
    }
}
