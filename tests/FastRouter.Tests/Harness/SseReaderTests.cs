using Xunit.Sdk;

namespace FastRouter.Tests.Harness;

/// <summary>The tests' SSE parser fails on what vLLM would not send, so a stream test cannot pass on a misshapen stream.</summary>
public sealed class SseReaderTests
{
    [Fact]
    public void OneDataLineAnEvent_GivesThePayloadsInOrder()
    {
        Assert.Equal(["{\"n\":1}", "[DONE]"], SseReader.Parse("data: {\"n\":1}\n\ndata: [DONE]\n\n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("data: {\"n\":1}\n")]
    [InlineData("data: {\"n\":1}\ndata: {\"n\":2}\n\n")]
    [InlineData("event: x\n\ndata: [DONE]\n\n")]
    [InlineData("data: [DONE]\n\n\n\n")]
    public void AnythingElse_Fails(string body)
    {
        Assert.ThrowsAny<XunitException>(() => SseReader.Parse(body));
    }
}
