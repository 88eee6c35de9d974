using System.Buffers;
using System.Text;
using FastRouter.Protocol;

namespace FastRouter.Tests.Protocol;

public sealed class RequestScannerTests
{
    private static (bool Ok, RequestRejection Rejection, RequestScan Scan) Scan(byte[] body, int maxDepth = 64)
    {
        var scan = new RequestScan();
        bool ok = RequestScanner.TryScan(new ReadOnlySequence<byte>(body), maxDepth, scan, out RequestRejection rejection);
        return (ok, rejection, scan);
    }

    private static (bool Ok, RequestRejection Rejection, RequestScan Scan) Scan(string body) => Scan(Encoding.UTF8.GetBytes(body));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "not valid JSON")]
    [InlineData("{\"model\":", "not valid JSON")]
    [InlineData("{\"a\":1,}", "not valid JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("\"text\"", "must be a JSON object")]
    [InlineData("42", "must be a JSON object")]
    [InlineData("null", "must be a JSON object")]
    [InlineData("{\"a\":1} {\"b\":2}", "not valid JSON")]
    [InlineData("{\"a\":1}x", "not valid JSON")]
    [InlineData("{\"a\":1}}", "not valid JSON")]
    [InlineData("{'a':1}", "not valid JSON")]
    [InlineData("{\"a\":NaN}", "not valid JSON")]
    [InlineData("{\"a\":1 /* c */}", "not valid JSON")]
    public void MalformedBodies_AreRejected(string body, string expected)
    {
        var (ok, rejection, _) = Scan(body);

        Assert.False(ok);
        Assert.Contains(expected, rejection.Message, StringComparison.Ordinal);
        Assert.Null(rejection.Param);
    }

    [Theory]
    [InlineData("{\"max_tokens\":\"many\"}", "max_tokens")]
    [InlineData("{\"max_completion_tokens\":[1]}", "max_completion_tokens")]
    [InlineData("{\"min_tokens\":true}", "min_tokens")]
    [InlineData("{\"min_completion_tokens\":{}}", "min_completion_tokens")]
    [InlineData("{\"n\":\"2\"}", "n")]
    [InlineData("{\"stream\":\"yes\"}", "stream")]
    [InlineData("{\"stream\":1}", "stream")]
    [InlineData("{\"stream_options\":true}", "stream_options")]
    [InlineData("{\"model\":42}", "model")]
    [InlineData("{\"model\":[\"a\"]}", "model")]
    public void WrongTypesOfFieldsTheRouterUses_AreRejectedNamingTheParam(string body, string param)
    {
        var (ok, rejection, _) = Scan(body);

        Assert.False(ok);
        Assert.Equal(param, rejection.Param);
    }

    [Fact]
    public void InvalidUtf8_IsRejected()
    {
        byte[] body = [.. "{\"prompt\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        var (ok, rejection, _) = Scan(body);

        Assert.False(ok);
        Assert.Contains("UTF-8", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABodyInSeveralSegments_IsCheckedForUtf8Whole_ACodePointMayStraddleTwo()
    {
        // "é" is 0xC3 0xA9 at offsets 11 and 12: the cut at 12 puts one byte in each segment.
        byte[] valid = Encoding.UTF8.GetBytes("{\"prompt\":\"\u00e9\"}");
        byte[] invalid = [.. "{\"prompt\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        var scan = new RequestScan();

        bool validOk = RequestScanner.TryScan(SequenceSplitter.Split(valid, 12), 64, scan, out _);
        scan.Reset();
        bool invalidOk = RequestScanner.TryScan(SequenceSplitter.Split(invalid, 12), 64, scan, out RequestRejection rejection);

        Assert.True(validOk);
        Assert.False(invalidOk);
        Assert.Contains("UTF-8", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsurdNesting_IsRejected()
    {
        string body = "{\"a\":" + new string('[', 10_000) + new string(']', 10_000) + "}";

        var (ok, rejection, _) = Scan(body);

        Assert.False(ok);
        Assert.Contains("depth", rejection.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ReadsStreamAndModel_LastOneWins()
    {
        const string Body = "{\"stream\":false,\"model\":\"a\",\"stream\":true,\"model\":\"b\\u0063\"}";
        var (ok, _, scan) = Scan(Body);

        Assert.True(ok);
        Assert.True(scan.Stream);
        Assert.True(scan.HasModel);
        Assert.Equal(Body.LastIndexOf("\"b", StringComparison.Ordinal), scan.ModelTokenStart);
        Assert.Equal(Body.Length - 1, scan.ModelTokenEnd);
    }

    [Fact]
    public void NullModelAndNullStream_AreAccepted()
    {
        var (ok, _, scan) = Scan("{\"model\":null,\"stream\":null,\"max_tokens\":null}");

        Assert.True(ok);
        Assert.False(scan.Stream);
        Assert.False(scan.HasModel);
    }
}
