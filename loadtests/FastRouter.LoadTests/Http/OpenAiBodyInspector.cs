using System.Buffers.Text;
using System.Text.Json;

namespace FastRouter.LoadTests.Http;

/// <summary>
/// Byte searches over OpenAI chunks and answers. The generator only counts tokens, so it never builds a JSON DOM
/// and never allocates here. It relies on vLLM's compact JSON (no space after ':'), with one tolerated space.
/// </summary>
internal static class OpenAiBodyInspector
{
    public static SseEvent ClassifyData(ReadOnlySpan<byte> payload)
    {
        payload = payload.TrimEnd((byte)' ');
        if (payload.SequenceEqual("[DONE]"u8))
        {
            return new SseEvent(SseEventKind.Done, HasToken: false, CompletionTokens: -1);
        }

        if (IsErrorObject(payload))
        {
            return new SseEvent(SseEventKind.Error, HasToken: false, CompletionTokens: -1);
        }

        bool token = HasNonEmptyString(payload, "\"content\":"u8) || HasNonEmptyString(payload, "\"text\":"u8);
        return new SseEvent(SseEventKind.Chunk, token, CompletionTokens(payload));
    }

    /// <summary>True for <c>{"error":…}</c>, the shape vLLM and the router use for errors.</summary>
    public static bool IsErrorObject(ReadOnlySpan<byte> json)
    {
        json = json.TrimStart(" \t\r\n"u8);
        if (json.IsEmpty || json[0] != (byte)'{')
        {
            return false;
        }

        return json[1..].TrimStart(" \t\r\n"u8).StartsWith("\"error\""u8);
    }

    /// <summary><c>usage.completion_tokens</c>, or -1 when there is no usage object.</summary>
    public static int CompletionTokens(ReadOnlySpan<byte> json)
    {
        int usage = json.IndexOf("\"usage\":"u8);
        if (usage < 0)
        {
            return -1;
        }

        ReadOnlySpan<byte> rest = json[(usage + 8)..].TrimStart((byte)' ');
        if (rest.IsEmpty || rest[0] != (byte)'{')
        {
            return -1; // "usage":null
        }

        int field = rest.IndexOf("\"completion_tokens\":"u8);
        if (field < 0)
        {
            return -1;
        }

        ReadOnlySpan<byte> number = rest[(field + 20)..].TrimStart((byte)' ');
        return Utf8Parser.TryParse(number, out int tokens, out _) ? tokens : -1;
    }

    /// <summary>
    /// The raw JSON of the top-level <c>kv_transfer_params</c> object of a prefill answer, or false when it is
    /// missing or null. The one place a reader walks a document, and only in direct mode's prefill leg.
    /// </summary>
    public static bool TryFindKvTransferParams(ReadOnlySpan<byte> json, out Range range)
    {
        range = default;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool wanted = reader.ValueTextEquals("kv_transfer_params"u8);
                reader.Read();
                if (wanted && reader.TokenType == JsonTokenType.StartObject)
                {
                    int start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    range = new Range(start, (int)reader.BytesConsumed);
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }

    private static bool HasNonEmptyString(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name)
    {
        int at = json.IndexOf(name);
        if (at < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> value = json[(at + name.Length)..].TrimStart((byte)' ');
        return value.Length >= 2 && value[0] == (byte)'"' && value[1] != (byte)'"';
    }
}
