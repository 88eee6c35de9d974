using System.Buffers;
using System.Text;
using System.Text.Json;
using FastRouter.Protocol;

namespace FastRouter.Tests.Protocol;

public sealed class LegBodyBuilderTests
{
    private const string PrefillParams = "{\"do_remote_decode\":true,\"do_remote_prefill\":false,\"remote_engine_id\":null,\"remote_block_ids\":null,\"remote_host\":null,\"remote_port\":null}";

    private static string Prefill(string body, params int[] cuts)
    {
        ReadOnlySequence<byte> sequence = SequenceSplitter.Split(Encoding.UTF8.GetBytes(body), cuts);
        var scan = new RequestScan();
        Assert.True(RequestScanner.TryScan(sequence, 64, scan, out RequestRejection rejection), rejection.Message);
        var output = new BodySegments();
        LegBodyBuilder.BuildPrefill(sequence, scan, output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static string Decode(string body, string? kvParams, params int[] cuts)
    {
        ReadOnlySequence<byte> sequence = SequenceSplitter.Split(Encoding.UTF8.GetBytes(body), cuts);
        var scan = new RequestScan();
        Assert.True(RequestScanner.TryScan(sequence, 64, scan, out RequestRejection rejection), rejection.Message);
        BodySegments? kv = null;
        if (kvParams is not null)
        {
            kv = new BodySegments();
            kv.Add(Encoding.UTF8.GetBytes(kvParams));
        }

        var output = new BodySegments();
        LegBodyBuilder.BuildDecode(sequence, scan, kv, output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public void Prefill_PatchesEveryFieldTheProtocolNames()
    {
        string body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":200,\"max_completion_tokens\":300,"
            + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"min_tokens\":5,\"min_completion_tokens\":6,\"n\":3,\"temperature\":0.70}";

        string prefill = Prefill(body);

        Assert.Equal(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":1,\"max_completion_tokens\":1,"
            + "\"stream\":false,\"n\":1,\"temperature\":0.70,\"kv_transfer_params\":" + PrefillParams + "}",
            prefill);
    }

    [Fact]
    public void Prefill_AddsMaxTokensWhenAbsentAndLeavesAbsentFieldsAbsent()
    {
        string prefill = Prefill("{\"model\":\"m\",\"prompt\":\"x\"}");

        Assert.Equal("{\"model\":\"m\",\"prompt\":\"x\",\"max_tokens\":1,\"kv_transfer_params\":" + PrefillParams + "}", prefill);
    }

    [Theory]
    [InlineData("{\"stream_options\":null,\"a\":1}", "{\"a\":1,")]
    [InlineData("{\"min_tokens\":1,\"stream_options\":{},\"a\":1}", "{\"a\":1,")]
    [InlineData("{\"a\":1,\"min_tokens\":1,\"stream_options\":{}}", "{\"a\":1,")]
    [InlineData("{\"a\":1,\"min_tokens\":1,\"b\":2}", "{\"a\":1,\"b\":2,")]
    [InlineData("{\"min_tokens\":1}", "{")]
    [InlineData("{}", "{")]
    [InlineData("{ \"min_tokens\" : 1 , \"stream_options\" : { } , \"a\" : 1 }", "{\"a\" : 1 ,")]
    [InlineData("{\"kv_transfer_params\":{\"x\":[1,{\"y\":2}]},\"a\":1,\"kv_transfer_params\":7}", "{\"a\":1,")]
    public void Prefill_RemovesMembersWithExactlyOneComma(string body, string expectedPrefix)
    {
        string prefill = Prefill(body);

        Assert.StartsWith(expectedPrefix, prefill.Replace(" }", "}", StringComparison.Ordinal), StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(prefill);
        Assert.Equal(1, document.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal(1, CountProperties(document.RootElement, "kv_transfer_params"));
        Assert.False(document.RootElement.TryGetProperty("min_tokens", out _));
        Assert.False(document.RootElement.TryGetProperty("stream_options", out _));
    }

    [Fact]
    public void Prefill_MatchesEscapedFieldNames()
    {
        string prefill = Prefill("{\"max\\u005ftokens\":50,\"str\\u0065am\":true,\"stream_opt\\u0069ons\":{}}");

        Assert.Equal("{\"max\\u005ftokens\":1,\"str\\u0065am\":false,\"kv_transfer_params\":" + PrefillParams + "}", prefill);
    }

    [Fact]
    public void Prefill_KeepsUntouchedFieldsByteForByte()
    {
        string untouched = "\"temperature\":0.70,\"top_p\":1e0,\"seed\":123456789012345678901234567890,\"s\":\"\\u00e9\\n\\\"q\\\"\\/\","
            + "\"vendor_x\":{\"deep\":[1,2,{\"z\":null}],\"max_tokens\":9},\"emoji\":\"😀\"";
        string prefill = Prefill("{\"max_tokens\":7," + untouched + "}");
        string decode = Decode("{\"max_tokens\":7," + untouched + "}", "{\"k\":1}");

        Assert.Contains(untouched, prefill, StringComparison.Ordinal);
        Assert.Equal("{\"max_tokens\":7," + untouched + ",\"kv_transfer_params\":{\"k\":1}}", decode);
    }

    [Fact]
    public void Decode_ReplacesClientKvTransferParamsWithoutDuplicating()
    {
        string decode = Decode("{\"kv_transfer_params\":{\"evil\":true},\"model\":\"m\",\"stream\":true,\"kv_transfer_params\":null}", "{\"remote_port\":5600}");

        Assert.Equal("{\"model\":\"m\",\"stream\":true,\"kv_transfer_params\":{\"remote_port\":5600}}", decode);
    }

    [Fact]
    public void Decode_WithoutParamsSendsThePlainRequest()
    {
        Assert.Equal("{\"model\":\"m\"}", Decode("{\"model\":\"m\",\"kv_transfer_params\":{}}", null));
        Assert.Equal("{}", Decode("{\"kv_transfer_params\":{}}", null));
        Assert.Equal("{\"kv_transfer_params\":{\"a\":1}}", Decode("{}", "{\"a\":1}"));
    }

    [Fact]
    public void Prefill_IsTheSameWhateverTheBufferSegmentation()
    {
        string body = "{\"model\":\"llama\",\"max_tokens\":200,\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9llo 😀\"}],\"n\":2,\"kv_transfer_params\":{\"a\":[1,2]}}";
        string expectedPrefill = Prefill(body);
        string expectedDecode = Decode(body, "{\"p\":1}");
        int length = Encoding.UTF8.GetByteCount(body);

        for (int cut = 1; cut < length; cut++)
        {
            Assert.Equal(expectedPrefill, Prefill(body, cut));
            Assert.Equal(expectedDecode, Decode(body, "{\"p\":1}", cut));
            if (cut + 7 < length)
            {
                Assert.Equal(expectedPrefill, Prefill(body, cut, cut + 7));
            }
        }
    }

    [Fact]
    public void Prefill_HandlesManyDuplicateFields()
    {
        var body = new StringBuilder("{");
        for (int i = 0; i < 40; i++)
        {
            body.Append("\"min_tokens\":").Append(i).Append(",\"n\":").Append(i).Append(',');
        }

        body.Append("\"a\":1}");
        string prefill = Prefill(body.ToString());

        using JsonDocument document = JsonDocument.Parse(prefill);
        Assert.Equal(0, CountProperties(document.RootElement, "min_tokens"));
        Assert.Equal(40, CountProperties(document.RootElement, "n"));
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (property.Name == "n")
            {
                Assert.Equal(1, property.Value.GetInt32());
            }
        }
    }

    private static int CountProperties(JsonElement element, string name)
    {
        int count = 0;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.Name == name)
            {
                count++;
            }
        }

        return count;
    }
}
