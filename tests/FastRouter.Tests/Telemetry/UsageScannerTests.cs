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
