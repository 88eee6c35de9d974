using System.Text;
using System.Text.Json;

namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// The text a streamed chat chunk carries (<c>choices[].delta.content</c>), unescaped, so the answer can be sent
/// back as the next turn's assistant message byte for byte as the model produced it. Conversations run at a few
/// requests a second, so a reader per chunk is affordable here (unlike the fixed-body scenarios' counters).
/// </summary>
internal static class StreamChunkText
{
    /// <summary>Appends the chunk's content delta to <paramref name="text"/>; true when it had a non-empty one.</summary>
    public static bool TryAppendContent(ReadOnlySpan<byte> payload, StringBuilder text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new Utf8JsonReader(payload);
        bool appended = false;
        bool inDelta = false;
        int deltaDepth = -1;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("delta"u8))
                    {
                        inDelta = true;
                        deltaDepth = reader.CurrentDepth;
                    }
                    else if (inDelta && reader.CurrentDepth == deltaDepth + 1 && reader.ValueTextEquals("content"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            string content = reader.GetString()!;
                            text.Append(content);
                            appended |= content.Length > 0;
                        }
                    }
                }
                else if (reader.TokenType == JsonTokenType.EndObject && inDelta && reader.CurrentDepth == deltaDepth)
                {
                    inDelta = false;
                }
            }
        }
        catch (JsonException)
        {
            return appended;
        }

        return appended;
    }
}
