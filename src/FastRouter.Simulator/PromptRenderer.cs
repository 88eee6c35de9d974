using System.Buffers;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;

namespace FastRouter.Simulation;

/// <summary>
/// Renders a prompt as a chat template would, so the engine model can count tokens and hash blocks of it:
/// per message <c>&lt;|role|&gt;\n</c> + content + <c>&lt;|end|&gt;\n</c>, then the generation prompt
/// <c>&lt;|assistant|&gt;\n</c>. A decode pod's sequence (this rendering + the text it generated) is therefore a
/// byte prefix of the next turn's rendering when the client appends the answer as an assistant message.
/// </summary>
internal static class PromptRenderer
{
    public static byte[] Render(JsonElement root, CompletionKind kind)
    {
        using var buffer = new ArrayPoolBufferWriter<byte>(1024);
        if (kind == CompletionKind.Chat)
        {
            if (root.TryGetProperty("messages"u8, out JsonElement messages) && messages.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement message in messages.EnumerateArray())
                {
                    if (message.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    buffer.Write("<|"u8);
                    if (message.TryGetProperty("role"u8, out JsonElement role) && role.ValueKind == JsonValueKind.String)
                    {
                        WriteString(buffer, role);
                    }

                    buffer.Write("|>\n"u8);
                    if (message.TryGetProperty("content"u8, out JsonElement content))
                    {
                        WriteContent(buffer, content);
                    }

                    buffer.Write("<|end|>\n"u8);
                }
            }

            buffer.Write("<|assistant|>\n"u8);
        }
        else if (root.TryGetProperty("prompt"u8, out JsonElement prompt))
        {
            WritePrompt(buffer, prompt);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteContent(ArrayPoolBufferWriter<byte> buffer, JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            WriteString(buffer, content);
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement part in content.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text"u8, out JsonElement text) && text.ValueKind == JsonValueKind.String)
                {
                    WriteString(buffer, text);
                }
            }
        }
    }

    private static void WritePrompt(ArrayPoolBufferWriter<byte> buffer, JsonElement prompt)
    {
        switch (prompt.ValueKind)
        {
            case JsonValueKind.String:
                WriteString(buffer, prompt);
                break;
            case JsonValueKind.Number:
                // A token id stands for one token: 4 bytes, its little-endian value, so equal ids hash equal.
                int id = prompt.TryGetInt32(out int value) ? value : 0;
                Span<byte> bytes = buffer.GetSpan(4);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, id);
                buffer.Advance(4);
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in prompt.EnumerateArray())
                {
                    WritePrompt(buffer, item);
                }

                break;
            default:
                break;
        }
    }

    // Unescaped UTF-8: the bytes the client would see again in an answer it appends as the next turn's message.
    private static void WriteString(ArrayPoolBufferWriter<byte> buffer, JsonElement text)
    {
        string value = text.GetString() ?? string.Empty;
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        int written = System.Text.Encoding.UTF8.GetBytes(value, buffer.GetSpan(max));
        buffer.Advance(written);
    }
}
