using System.Buffers;
using System.Text.Json;

namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// A turn's body: the history so far as <c>messages</c>, streamed with usage, <c>ignore_eos</c> so a real vLLM
/// generates exactly <c>max_tokens</c> as the simulator does.
/// </summary>
internal static class ConversationBodyWriter
{
    public static byte[] Build(string model, IReadOnlyList<ChatMessage> messages, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model"u8, model);
            writer.WriteStartArray("messages"u8);
            for (int i = 0; i < messages.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("role"u8, messages[i].Role);
                writer.WriteString("content"u8, messages[i].Content);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("max_tokens"u8, maxTokens);
            writer.WriteBoolean("ignore_eos"u8, true);
            writer.WriteBoolean("stream"u8, true);
            writer.WriteStartObject("stream_options"u8);
            writer.WriteBoolean("include_usage"u8, true);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
