using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;

namespace FastRouter.Simulation;

/// <summary>
/// Writes completion answers in vLLM's exact shapes (protocol.md §4): non-streaming bodies print every field,
/// nulls included; stream chunks print only what vLLM sets (it dumps them with exclude_unset).
/// </summary>
internal static class CompletionResponseWriter
{
    public static void WriteNonStreaming(
        Utf8JsonWriter writer,
        CompletionRequest request,
        string model,
        long created,
        int completionTokens,
        string finishReason,
        KvAdvertisement? advertisement,
        KvLease? lease)
    {
        bool chat = request.Kind == CompletionKind.Chat;
        writer.WriteStartObject();
        writer.WriteString("id"u8, request.ResponseId);
        writer.WriteString("object"u8, chat ? "chat.completion"u8 : "text_completion"u8);
        writer.WriteNumber("created"u8, created);
        writer.WriteString("model"u8, model);
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        using (var text = new ArrayPoolBufferWriter<byte>(Math.Max(64, completionTokens * 8)))
        {
            GeneratedText.AppendTokens(text, completionTokens);
            if (chat)
            {
                writer.WriteStartObject("message"u8);
                writer.WriteString("role"u8, "assistant"u8);
                writer.WriteString("content"u8, text.WrittenSpan);
                writer.WriteNull("refusal"u8);
                writer.WriteNull("annotations"u8);
                writer.WriteNull("audio"u8);
                writer.WriteNull("function_call"u8);
                writer.WriteStartArray("tool_calls"u8);
                writer.WriteEndArray();
                writer.WriteNull("reasoning_content"u8);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteString("text"u8, text.WrittenSpan);
            }
        }

        writer.WriteNull("logprobs"u8);
        writer.WriteString("finish_reason"u8, finishReason);
        writer.WriteNull("stop_reason"u8);
        if (!chat)
        {
            writer.WriteNull("prompt_logprobs"u8);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteNull("service_tier"u8);
        writer.WriteNull("system_fingerprint"u8);
        writer.WritePropertyName("usage"u8);
        WriteUsage(writer, request.PromptTokens, completionTokens, withDetails: true);
        if (chat)
        {
            writer.WriteNull("prompt_logprobs"u8);
        }

        writer.WritePropertyName("kv_transfer_params"u8);
        if (advertisement is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            KvTransferParamsWriter.WriteValue(writer, advertisement, lease);
        }

        writer.WriteEndObject();
    }

    /// <summary>Chat's first chunk: the assistant role with empty content, before any token.</summary>
    public static void WriteRoleChunk(Utf8JsonWriter writer, CompletionRequest request, string model, long created)
    {
        WriteChunkStart(writer, request, model, created);
        writer.WriteStartObject("delta"u8);
        writer.WriteString("role"u8, "assistant"u8);
        writer.WriteString("content"u8, ""u8);
        writer.WriteEndObject();
        writer.WriteNull("logprobs"u8);
        writer.WriteNull("finish_reason"u8);
        WriteChunkEnd(writer, request, completionTokens: 0);
    }

    /// <summary>The chunk carrying token <paramref name="tokenIndex"/>; the last one also carries the finish reason.</summary>
    public static void WriteTokenChunk(
        Utf8JsonWriter writer,
        CompletionRequest request,
        string model,
        long created,
        int tokenIndex,
        string? finishReason)
    {
        WriteChunkStart(writer, request, model, created);
        if (request.Kind == CompletionKind.Chat)
        {
            writer.WriteStartObject("delta"u8);
            writer.WriteString("content"u8, GeneratedText.Token(tokenIndex));
            writer.WriteEndObject();
            writer.WriteNull("logprobs"u8);
            if (finishReason is null)
            {
                writer.WriteNull("finish_reason"u8);
            }
            else
            {
                writer.WriteString("finish_reason"u8, finishReason);
                writer.WriteNull("stop_reason"u8);
            }
        }
        else
        {
            writer.WriteString("text"u8, GeneratedText.Token(tokenIndex));
            writer.WriteNull("logprobs"u8);
            if (finishReason is null)
            {
                writer.WriteNull("finish_reason"u8);
            }
            else
            {
                writer.WriteString("finish_reason"u8, finishReason);
            }

            writer.WriteNull("stop_reason"u8);
        }

        WriteChunkEnd(writer, request, tokenIndex + 1);
    }

    /// <summary>The <c>include_usage</c> chunk after the last token: no choices, only usage.</summary>
    public static void WriteUsageChunk(Utf8JsonWriter writer, CompletionRequest request, string model, long created, int completionTokens)
    {
        WriteChunkHeader(writer, request, model, created);
        writer.WriteStartArray("choices"u8);
        writer.WriteEndArray();
        writer.WritePropertyName("usage"u8);
        WriteUsage(writer, request.PromptTokens, completionTokens, withDetails: false);
        writer.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter writer, int promptTokens, int completionTokens, bool withDetails)
    {
        writer.WriteStartObject();
        writer.WriteNumber("prompt_tokens"u8, promptTokens);
        writer.WriteNumber("total_tokens"u8, (long)promptTokens + completionTokens);
        writer.WriteNumber("completion_tokens"u8, completionTokens);
        if (withDetails)
        {
            writer.WriteNull("prompt_tokens_details"u8);
        }

        writer.WriteEndObject();
    }

    private static void WriteChunkHeader(Utf8JsonWriter writer, CompletionRequest request, string model, long created)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, request.ResponseId);
        writer.WriteString("object"u8, request.Kind == CompletionKind.Chat ? "chat.completion.chunk"u8 : "text_completion"u8);
        writer.WriteNumber("created"u8, created);
        writer.WriteString("model"u8, model);
    }

    private static void WriteChunkStart(Utf8JsonWriter writer, CompletionRequest request, string model, long created)
    {
        WriteChunkHeader(writer, request, model, created);
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
    }

    private static void WriteChunkEnd(Utf8JsonWriter writer, CompletionRequest request, int completionTokens)
    {
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (request.ContinuousUsage)
        {
            writer.WritePropertyName("usage"u8);
            WriteUsage(writer, request.PromptTokens, completionTokens, withDetails: false);
        }

        writer.WriteEndObject();
    }
}
