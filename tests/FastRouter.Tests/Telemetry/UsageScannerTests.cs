using System.Text;
using FastRouter.Telemetry;

namespace FastRouter.Tests.Telemetry;

public sealed class UsageScannerTests
{
    private const string Stream =
        "data: {\"id\":\"c1\",\"choices\":[{\"text\":\"\\\"usage\\\":{\\\"prompt_tokens\\\":99\"}],\"usage\":null}\n\n" +
        "data: {\"id\":\"c1\",\"choices\":[{\"text\":\" usage\"}],\"usage\":null}\n\n" +
        "data: {\"id\":\"c1\",\"choices\":[],\"usage\": {\"prompt_tokens\": 17, \"prompt_tokens_details\": {\"cached_tokens\": 5, \"x\":[1,{\"completion_tokens\":3}]},\"total_tokens\":59,\"completion_tokens\":42}}\n\n" +
        "data: [DONE]\n\n";

    [Fact]
    public void Feed_FindsTheUsage_AtEverySplitOfTheStream()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Stream);
        for (int split = 0; split <= bytes.Length; split++)
        {
            var scanner = new UsageScanner();
            scanner.Feed(bytes.AsSpan(0, split));
            scanner.Feed(bytes.AsSpan(split));
            Assert.True(scanner.Found, "split at " + split);
            Assert.Equal(17, scanner.PromptTokens);
            Assert.Equal(42, scanner.CompletionTokens);
        }
    }

    [Fact]
    public void Feed_ByteByByte_FindsTheUsageOfAJsonBody()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"usage\"}}],\"usage\":{\"prompt_tokens\":3,\"total_tokens\":5,\"completion_tokens\":2,\"prompt_tokens_details\":null}}");
        var scanner = new UsageScanner();
        foreach (byte b in bytes)
        {
            scanner.Feed([b]);
        }

        Assert.True(scanner.Found);
        Assert.Equal(3, scanner.PromptTokens);
        Assert.Equal(2, scanner.CompletionTokens);
    }

    // Fed whole, a usage object is usually read in one go; fed a byte at a time, it is always stepped through.
    // Both must end the same, whatever the object holds.
    [Theory]
    [InlineData("{\"id\":\"x\",\"usage\":{\"prompt_tokens\":3,\"total_tokens\":5,\"completion_tokens\":2,\"prompt_tokens_details\":null}}")]
    [InlineData("{\"usage\" : { \"prompt_tokens\" : 3 ,\r\n \"completion_tokens\" :\t2 } }")]
    [InlineData("{\"usage\":{\"completion_tokens\":0,\"prompt_tokens\":7,\"x\":true,\"y\":false}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1,\"prompt_tokens\":4,\"completion_tokens\":2,}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":99999999999999999999999,\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1.5,\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1e3,\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":\"3\",\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{\"prompt\\u005ftokens\":3,\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\\:5,\"completion_tokens\":2,\"prompt_tokens\":1}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1x,\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{\"x\":nul},\"prompt_tokens\":1,\"completion_tokens\":2}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1 \"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\"3,\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{,\"prompt_tokens\":3,\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":3,\"d\":{\"completion_tokens\":9},\"completion_tokens\":2}}")]
    [InlineData("{\"usage\":{}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}{\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":3}}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}{\"usage\":{\"prompt_tokens\":2}}")]
    [InlineData("{\"usage\":[{\"prompt_tokens\":1,\"completion_tokens\":1}]}")]
    [InlineData(Stream)]
    public void Feed_Whole_EndsAsFeedingByteByByteDoes(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var whole = new UsageScanner();
        var stepped = new UsageScanner();

        whole.Feed(bytes);
        foreach (byte b in bytes)
        {
            stepped.Feed([b]);
        }

        Assert.Equal((stepped.Found, stepped.PromptTokens, stepped.CompletionTokens), (whole.Found, whole.PromptTokens, whole.CompletionTokens));
    }

    [Theory]
    [InlineData("data: {\"usage\":null}\n\n")]
    [InlineData("{\"text\":\"\\\"usage\\\":{\\\"prompt_tokens\\\":1,\\\"completion_tokens\\\":2}\"}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1}}")]
    [InlineData("{\"choices\":[{\"text\":\"usage\"}]}")]
    public void Feed_WithoutACompleteUsage_FindsNothing(string text)
    {
        var scanner = new UsageScanner();
        scanner.Feed(Encoding.UTF8.GetBytes(text));
        Assert.False(scanner.Found);
    }
}
