using System.Text;
using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Scenarios;

namespace FastRouter.Tests.LoadTests;

public sealed class OpenAiBodyInspectorTests
{
    [Theory]
    [InlineData("{\"choices\":[],\"usage\":{\"prompt_tokens\":36,\"total_tokens\":46,\"completion_tokens\":10}}", 10)]
    [InlineData("{\"usage\": {\"completion_tokens\": 5}}", 5)]
    [InlineData("{\"choices\":[],\"usage\":null}", -1)]
    [InlineData("{\"choices\":[]}", -1)]
    public void CompletionTokens_ReadsUsage(string json, int expected) =>
        Assert.Equal(expected, OpenAiBodyInspector.CompletionTokens(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("{\"error\":{\"message\":\"x\",\"code\":400}}", true)]
    [InlineData("  { \"error\" : \"Unauthorized\"}", true)]
    [InlineData("{\"id\":\"1\",\"error\":null}", false)]
    [InlineData("[DONE]", false)]
    public void IsErrorObject_RecognisesTheOpenAiErrorShape(string json, bool expected) =>
        Assert.Equal(expected, OpenAiBodyInspector.IsErrorObject(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void KvTransferParams_AreFoundAndSplicedIntoTheDecodeBody()
    {
        byte[] answer = Encoding.UTF8.GetBytes("{\"id\":\"p\",\"choices\":[{\"text\":\"kv_transfer_params\"}],\"kv_transfer_params\":{\"remote_host\":\"10.0.0.1\",\"remote_block_ids\":[[1,2]]},\"usage\":null}");

        Assert.True(OpenAiBodyInspector.TryFindKvTransferParams(answer, out Range range));
        string raw = Encoding.UTF8.GetString(answer.AsSpan()[range]);
        Assert.Equal("{\"remote_host\":\"10.0.0.1\",\"remote_block_ids\":[[1,2]]}", raw);

        byte[] decode = RequestBodyBuilder.WithKvTransferParams("{\"model\":\"m\",\"stream\":true}"u8, answer.AsSpan()[range]);
        Assert.Equal("{\"model\":\"m\",\"stream\":true,\"kv_transfer_params\":" + raw + "}", Encoding.UTF8.GetString(decode));
    }

    [Theory]
    [InlineData("{\"id\":\"p\",\"kv_transfer_params\":null}")]
    [InlineData("{\"id\":\"p\"}")]
    [InlineData("not json")]
    public void KvTransferParams_MissingOrNull_AreNotFound(string json) =>
        Assert.False(OpenAiBodyInspector.TryFindKvTransferParams(Encoding.UTF8.GetBytes(json), out _));

    [Fact]
    public void DirectPrefillBody_AsksForOneTokenAndRemoteDecode()
    {
        string body = Encoding.UTF8.GetString(RequestBodyBuilder.Build(new RequestShape(ApiKind.Chat, Stream: true), "llama31-8b", 8, 64, BodyPurpose.DirectPrefill));

        Assert.Contains("\"max_tokens\":1,", body, StringComparison.Ordinal);
        Assert.Contains("\"stream\":false", body, StringComparison.Ordinal);
        Assert.Contains("\"do_remote_decode\":true", body, StringComparison.Ordinal);
        Assert.DoesNotContain("stream_options", body, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientBody_PromptHasFourCharactersPerToken()
    {
        string body = Encoding.UTF8.GetString(RequestBodyBuilder.Build(new RequestShape(ApiKind.Completions, Stream: true), "m", 100, 7, BodyPurpose.Client));

        Assert.Contains("\"prompt\":\"" + string.Concat(Enumerable.Repeat("tok ", 100)) + "\"", body, StringComparison.Ordinal);
        Assert.Contains("\"max_tokens\":7,", body, StringComparison.Ordinal);
        Assert.Contains("\"stream_options\":{\"include_usage\":true}", body, StringComparison.Ordinal);
    }
}
