using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FastRouter.LoadTests.Scenarios;

/// <summary>
/// Writes OpenAI request bodies. The prompt is filler text of four characters per token, the ratio the simulator
/// (and, roughly, real tokenizers on English) uses to estimate prompt tokens. <c>ignore_eos</c> makes a real
/// vLLM generate exactly <c>max_tokens</c>, so output lengths follow the chosen distribution.
/// </summary>
internal static class RequestBodyBuilder
{
    // What production-stack's router sends on the prefill leg: the pod keeps the KV blocks for a remote decode.
    private static readonly byte[] PrefillKvTransferParams =
        """{"do_remote_decode":true,"do_remote_prefill":false,"remote_engine_id":null,"remote_block_ids":null,"remote_host":null,"remote_port":null}"""u8.ToArray();

    private const string FillerWord = "tok ";

    public static byte[] Build(RequestShape shape, string model, int promptTokens, int maxTokens, BodyPurpose purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var buffer = new ArrayBufferWriter<byte>(256 + (promptTokens * FillerWord.Length));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            bool prefill = purpose == BodyPurpose.DirectPrefill;
            writer.WriteStartObject();
            writer.WriteString("model"u8, model);
            string prompt = Prompt(promptTokens);
            if (shape.Api == ApiKind.Chat)
            {
                writer.WriteStartArray("messages"u8);
                writer.WriteStartObject();
                writer.WriteString("role"u8, "user"u8);
                writer.WriteString("content"u8, prompt);
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteString("prompt"u8, prompt);
            }

            writer.WriteNumber("max_tokens"u8, prefill ? 1 : maxTokens);
            writer.WriteBoolean("ignore_eos"u8, true);
            bool stream = shape.Stream && !prefill;
            writer.WriteBoolean("stream"u8, stream);
            if (stream)
            {
                writer.WriteStartObject("stream_options"u8);
                writer.WriteBoolean("include_usage"u8, true);
                writer.WriteEndObject();
            }

            if (prefill)
            {
                writer.WritePropertyName("kv_transfer_params"u8);
                writer.WriteRawValue(PrefillKvTransferParams, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The decode leg of direct mode: the client body with <c>"kv_transfer_params":&lt;raw&gt;</c> added as its last
    /// member, exactly as the router splices it in.
    /// </summary>
    public static byte[] WithKvTransferParams(ReadOnlySpan<byte> clientBody, ReadOnlySpan<byte> rawKvTransferParams)
    {
        int close = clientBody.LastIndexOf((byte)'}');
        if (close < 1)
        {
            throw new ArgumentException("The body is not a JSON object.", nameof(clientBody));
        }

        ReadOnlySpan<byte> member = ",\"kv_transfer_params\":"u8;
        byte[] result = new byte[close + member.Length + rawKvTransferParams.Length + 1];
        clientBody[..close].CopyTo(result);
        member.CopyTo(result.AsSpan(close));
        rawKvTransferParams.CopyTo(result.AsSpan(close + member.Length));
        result[^1] = (byte)'}';
        return result;
    }

    private static string Prompt(int tokens)
    {
        var text = new StringBuilder(tokens * FillerWord.Length);
        for (int i = 0; i < tokens; i++)
        {
            text.Append(FillerWord);
        }

        return text.ToString();
    }
}
