using System.Buffers;
using System.Text;
using FastRouter.Configuration;
using FastRouter.Protocol;

namespace FastRouter.Tests.Protocol;

public sealed class PrefillAnswerReaderTests
{
    private const string Legacy = "{\"do_remote_prefill\":true,\"do_remote_decode\":false,\"remote_block_ids\":[17,18,19],\"remote_engine_id\":\"e-1\",\"remote_host\":\"localhost\",\"remote_port\":5600,\"tp_size\":1}";
    private const string Current = "{\"do_remote_prefill\":true,\"do_remote_decode\":false,\"remote_block_ids\":[[17,18,19]],\"remote_engine_id\":\"e-1\",\"remote_request_id\":\"chatcmpl-abc-1a2b3c4d\",\"remote_host\":\"10.1.2.3\",\"remote_port\":5600,\"tp_size\":1}";
    private const string PodHostJson = "\"10.9.9.9\"";

    private static string Answer(string kv) =>
        "{\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"kv_transfer_params\"},\"kv_transfer_params\":{\"nested\":1}}],"
        + "\"usage\":{\"prompt_tokens\":3},\"kv_transfer_params\":" + kv + "}";

    private static string Rewrite(string answer, RemoteHostPolicy policy, params int[] cuts)
    {
        ReadOnlySequence<byte> sequence = SequenceSplitter.Split(Encoding.UTF8.GetBytes(answer), cuts);
        Assert.True(PrefillAnswerReader.TryRead(sequence, out KvTransferParamsLocation location));
        Assert.True(location.Found);
        var output = new BodySegments();
        KvTransferParamsRewriter.Write(sequence, location, policy, Encoding.UTF8.GetBytes(PodHostJson), output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public void Legacy_LocalhostIsReplacedByThePodsHostUnderAuto()
    {
        Assert.Equal(Legacy.Replace("\"localhost\"", PodHostJson, StringComparison.Ordinal), Rewrite(Answer(Legacy), RemoteHostPolicy.Auto));
    }

    [Fact]
    public void Current_AUsableHostIsKeptUnderAuto_AndEverythingElseIsCopiedVerbatim()
    {
        Assert.Equal(Current, Rewrite(Answer(Current), RemoteHostPolicy.Auto));
    }

    [Fact]
    public void Always_OverwritesAUsableHost_Never_KeepsLocalhost()
    {
        Assert.Equal(Current.Replace("\"10.1.2.3\"", PodHostJson, StringComparison.Ordinal), Rewrite(Answer(Current), RemoteHostPolicy.Always));
        Assert.Equal(Legacy, Rewrite(Answer(Legacy), RemoteHostPolicy.Never));
    }

    [Theory]
    [InlineData("{\"remote_port\":5600}", "{\"remote_port\":5600,\"remote_host\":\"10.9.9.9\"}")]
    [InlineData("{}", "{\"remote_host\":\"10.9.9.9\"}")]
    [InlineData("{ \"a\" : [1, {\"remote_host\":\"x\"}] }", "{ \"a\" : [1, {\"remote_host\":\"x\"}] ,\"remote_host\":\"10.9.9.9\"}")]
    public void AMissingRemoteHost_IsAddedUnderAuto(string kv, string expected)
    {
        Assert.Equal(expected, Rewrite(Answer(kv), RemoteHostPolicy.Auto));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("\"127.0.0.1\"")]
    [InlineData("\"127.8.9.10\"")]
    [InlineData("\"::1\"")]
    [InlineData("\"[::1]\"")]
    [InlineData("\"0.0.0.0\"")]
    [InlineData("\"::\"")]
    [InlineData("\"LOCALHOST\"")]
    [InlineData("\"local\\u0068ost\"")]
    [InlineData("5600")]
    public void UnusableHosts_AreReplacedUnderAuto(string host)
    {
        string kv = "{\"remote_host\":" + host + ",\"remote_port\":1}";

        Assert.Equal("{\"remote_host\":" + PodHostJson + ",\"remote_port\":1}", Rewrite(Answer(kv), RemoteHostPolicy.Auto));
    }

    [Theory]
    [InlineData("prefill-0.prefill.default.svc")]
    [InlineData("10.0.0.5")]
    [InlineData("fd00::5")]
    public void UsableHosts_AreKeptUnderAuto(string host)
    {
        string kv = "{\"remote_host\":\"" + host + "\"}";

        Assert.Equal(kv, Rewrite(Answer(kv), RemoteHostPolicy.Auto));
    }

    [Fact]
    public void Rewrite_IsTheSameWhateverTheBufferSegmentation()
    {
        string answer = Answer(Legacy);
        string expected = Rewrite(answer, RemoteHostPolicy.Auto);

        for (int cut = 1; cut < answer.Length; cut++)
        {
            Assert.Equal(expected, Rewrite(answer, RemoteHostPolicy.Auto, cut));
        }
    }

    [Theory]
    [InlineData("{\"id\":\"x\",\"kv_transfer_params\":null}")]
    [InlineData("{\"id\":\"x\"}")]
    [InlineData("{\"kv_transfer_params\":[1,2]}")]
    [InlineData("{\"kv_transfer_params\":{\"a\":1},\"kv_transfer_params\":null}")]
    public void NullAbsentOrOddParams_AreNotFound(string answer)
    {
        Assert.True(PrefillAnswerReader.TryRead(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(answer)), out KvTransferParamsLocation location));
        Assert.False(location.Found);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1]")]
    [InlineData("{\"kv_transfer_params\":{\"a\":")]
    [InlineData("{\"kv_transfer_params\":{\"a\":1]}")]
    [InlineData("{\"kv_transfer_params\":{\"remote_host\":\"localhost\",")]
    public void AnAnswerThatIsNotAJsonObject_IsReported_AndYieldsNoParams(string answer)
    {
        // The caller splices a found object into the decode body: a half-read one must not count as found.
        Assert.False(PrefillAnswerReader.TryRead(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(answer)), out KvTransferParamsLocation location));
        Assert.False(location.Found);
    }

    // Asking for the top-level keys forces the forward pass over every member, so each answer is read both ways.
    [Theory]
    [InlineData("{\"id\":\"x\",\"kv_transfer_params\":{\"remote_host\":\"localhost\",\"remote_port\":1}}")]
    [InlineData(" { \"id\" : 1 ,\n \"kv_transfer_params\" : { \"remote_host\" : \"10.0.0.1\" } } \r\n")]
    [InlineData("{\"kv_transfer_params\":{}}")]
    [InlineData("{\"a\":\"x\\\\\",\"kv_transfer_params\":{\"b\":1}}")]
    [InlineData("{\"kv_transfer_params\":{\"a\":1},\"usage\":{}}")]
    [InlineData("{\"kv_transfer_params\":{\"a\":1},\"kv_transfer_params\":null}")]
    [InlineData("{\"kv_transfer_params\":{\"a\":1},\"kv\\u005ftransfer_params\":{\"b\":2}}")]
    [InlineData("{\"a\":{\"kv_transfer_params\":{\"b\":1}}}")]
    [InlineData("{\"a\":\"\\\"kv_transfer_params\\\":{}\"}")]
    [InlineData("{\"a\":\"x\\\"kv_transfer_params\":{}}")]
    [InlineData("{\"kv_transfer_params\":{\"kv_transfer_params\":{}}}")]
    [InlineData("{\"kv_transfer_params\":{\"note\":\"\\\"kv_transfer_params\\\"\"}}")]
    [InlineData("{\"kv_transfer_params\":[1]}")]
    [InlineData("{\"kv_transfer_params\":{\"a\":1}}}")]
    [InlineData("[{\"kv_transfer_params\":{}}]")]
    [InlineData("{\"kv_transfer_params\":{\"a\":")]
    [InlineData("{\"kv_transfer_params\":{\"a\":1]}")]
    public void ReadingFromTheEnd_FindsWhatTheForwardPassFinds(string answer)
    {
        var sequence = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(answer));

        bool fromTheEnd = PrefillAnswerReader.TryRead(sequence, out KvTransferParamsLocation atTheEnd);
        bool forward = PrefillAnswerReader.TryRead(sequence, out KvTransferParamsLocation inOrder, topLevelKeys: []);

        Assert.Equal(forward, fromTheEnd);
        Assert.Equal(inOrder, atTheEnd);
    }

    [Fact]
    public void ReadingFromTheEnd_TakesParamsThatParse_WithoutValidatingTheMembersBeforeThem()
    {
        const string Answer = "{\"id\":tru,\"kv_transfer_params\":{\"remote_port\":5600}}";
        var sequence = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Answer));

        Assert.True(PrefillAnswerReader.TryRead(sequence, out KvTransferParamsLocation location));
        Assert.True(location.Found);
        Assert.Equal("{\"remote_port\":5600}", Answer[location.ObjectStart..(location.ObjectClose + 1)]);
        Assert.False(PrefillAnswerReader.TryRead(sequence, out _, topLevelKeys: []));
    }

    [Fact]
    public void TopLevelKeys_AreCollectedForTheDebugLog()
    {
        var keys = new List<string>();

        Assert.True(PrefillAnswerReader.TryRead(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Answer(Legacy))), out _, keys));

        Assert.Equal(["id", "object", "choices", "usage", "kv_transfer_params"], keys);
    }
}
