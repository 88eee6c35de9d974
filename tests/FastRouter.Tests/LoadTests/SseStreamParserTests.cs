using System.Text;
using FastRouter.LoadTests.Http;

namespace FastRouter.Tests.LoadTests;

public sealed class SseStreamParserTests
{
    // A vLLM chat stream: role chunk (no token), three content tokens, the finish chunk, usage, [DONE].
    private const string ChatStream =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" data: \\\"content\\\":\\\"x\"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":\"length\"}]}\n\n" +
        "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":36,\"total_tokens\":39,\"completion_tokens\":3}}\n\n" +
        "data: [DONE]\n\n";

    [Fact]
    public void WholeStream_CountsTokensUsageAndDone()
    {
        StreamTally tally = Parse([Encoding.UTF8.GetBytes(ChatStream)]);

        Assert.Equal(new StreamTally(Events: 6, Tokens: 3, Usage: 3, Done: true, Errors: 0), tally);
    }

    [Fact]
    public void StreamSplitAtEveryByte_GivesTheSameTally()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(ChatStream);
        StreamTally whole = Parse([bytes]);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            Assert.Equal(whole, Parse([bytes[..cut], bytes[cut..]]));
        }

        Assert.Equal(whole, Parse(bytes.Select(b => new[] { b }).ToArray()));
    }

    [Fact]
    public void CompletionsTextDeltas_AreTokens_AndCrLfLinesAreAccepted()
    {
        string stream =
            "data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" Once\"}]}\r\n\r\n" +
            "data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"\"}]}\r\n\r\n" +
            ": a comment line\r\n\r\n" +
            "data: [DONE]\r\n\r\n";

        Assert.Equal(new StreamTally(Events: 3, Tokens: 1, Usage: -1, Done: true, Errors: 0), Parse([Encoding.UTF8.GetBytes(stream)]));
    }

    [Fact]
    public void ErrorEvent_IsReported()
    {
        string stream =
            "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n" +
            "data: {\"error\":{\"message\":\"KV load failed\",\"type\":\"InternalServerError\",\"code\":500}}\n\n" +
            "data: [DONE]\n\n";

        StreamTally tally = Parse([Encoding.UTF8.GetBytes(stream)]);

        Assert.Equal(1, tally.Errors);
        Assert.True(tally.Done);
    }

    [Fact]
    public void CutStream_LeavesItsPartialLinePending()
    {
        using var parser = new SseStreamParser();
        ReadOnlySpan<byte> input = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"cho"u8;
        Assert.True(parser.TryReadEvent(ref input, out SseEvent first));
        Assert.True(first.HasToken);
        Assert.False(parser.TryReadEvent(ref input, out _));
        Assert.Equal("data: {\"cho".Length, parser.PendingBytes);
    }

    [Fact]
    public void LongLine_LargerThanTheCarryBuffer_IsReassembled()
    {
        string content = new('x', 20_000);
        byte[] bytes = Encoding.UTF8.GetBytes($"data: {{\"choices\":[{{\"delta\":{{\"content\":\"{content}\"}}}}],\"usage\":{{\"completion_tokens\":7}}}}\n\ndata: [DONE]\n\n");
        var pieces = bytes.Chunk(1000).ToArray();

        Assert.Equal(new StreamTally(Events: 2, Tokens: 1, Usage: 7, Done: true, Errors: 0), Parse(pieces));
    }

    private static StreamTally Parse(IEnumerable<byte[]> pieces)
    {
        using var parser = new SseStreamParser();
        var tally = new StreamTally(0, 0, -1, false, 0);
        foreach (byte[] piece in pieces)
        {
            ReadOnlySpan<byte> input = piece;
            while (parser.TryReadEvent(ref input, out SseEvent sseEvent))
            {
                tally = tally with
                {
                    Events = tally.Events + 1,
                    Tokens = tally.Tokens + (sseEvent.HasToken ? 1 : 0),
                    Usage = sseEvent.CompletionTokens >= 0 ? sseEvent.CompletionTokens : tally.Usage,
                    Done = tally.Done || sseEvent.Kind == SseEventKind.Done,
                    Errors = tally.Errors + (sseEvent.Kind == SseEventKind.Error ? 1 : 0),
                };
            }
        }

        return tally;
    }

    private sealed record StreamTally(int Events, int Tokens, int Usage, bool Done, int Errors);
}
