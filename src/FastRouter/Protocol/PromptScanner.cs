using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;

namespace FastRouter.Protocol;

/// <summary>
/// Reads a request's prompt (chat <c>messages</c> or completions <c>prompt</c>) during the scanner's one pass, and fills
/// the scan's affinity key and prompt sizes. It hashes the JSON string tokens' raw bytes as they sit in the body (no
/// unescaping, no copy), so white space between tokens and the order of a message's members do not change the key,
/// while a character written as an escape (<c>\u0041</c> for <c>A</c>) does: clients that resend a conversation
/// serialize it the same way each turn, and the key only needs to be stable for them.
/// </summary>
internal static class PromptScanner
{
    /// <summary>A completions prompt's key covers its first bytes only, where prompts sharing a template agree.</summary>
    public const int CompletionKeyBytes = 1024;

    /// <summary>
    /// The prefix key's span: the first KiB of the rendered prompt (256 tokens at the router's estimate), and never
    /// past the end of the first user message. A long shared system prompt fills it, so every conversation under that
    /// prompt meets the prefill pod that computed it; a short one leaves it the conversation's key, so the turns of
    /// one conversation keep their prefill pod either way.
    /// </summary>
    public const int PrefixKeyBytes = 1024;

    /// <summary>
    /// Reads the <c>messages</c> value the reader stands on (through its end). The key folds each message's role and
    /// content, in order, through the first <c>user</c> message: the system prompt and the first user turn, which every
    /// later turn of the conversation repeats and which differ between conversations.
    /// </summary>
    public static void ScanMessages(ref Utf8JsonReader reader, RequestScan scan)
    {
        ResetPrompt(scan);
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        XxHash3 content = scan.ContentHasher;
        XxHash3 prefix = scan.PrefixHasher;
        prefix.Reset();
        int prefixBudget = PrefixKeyBytes;
        ulong key = 0;
        bool keyComplete = false;
        bool anyMessage = false;
        int promptBytes = 0;
        int newPromptBytes = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            content.Reset();
            ulong role = 0;
            bool isUser = false;
            bool isAssistant = false;
            int messageBytes = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("role"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        int unlimited = int.MaxValue;
                        AppendToken(ref reader, null, ref unlimited, keyComplete ? null : prefix, ref prefixBudget);
                        role = HashToken(ref reader);
                        isUser = reader.ValueTextEquals("user"u8);
                        isAssistant = reader.ValueTextEquals("assistant"u8);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    messageBytes = ReadContent(ref reader, keyComplete ? null : content, keyComplete ? null : prefix, ref prefixBudget);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            anyMessage = true;
            promptBytes += messageBytes;
            if (isAssistant)
            {
                scan.HasHistory = true;
                newPromptBytes = 0;
            }
            else
            {
                newPromptBytes += messageBytes;
            }

            if (!keyComplete)
            {
                key = Fold(key, role, content.GetCurrentHashAsUInt64());
                keyComplete = isUser;
            }
        }

        scan.AffinityKey = anyMessage ? NonZero(key) : 0;
        scan.PrefixKey = anyMessage ? NonZero(prefix.GetCurrentHashAsUInt64()) : 0;
        scan.PromptBytes = promptBytes;
        scan.NewPromptBytes = newPromptBytes;
    }

    /// <summary>
    /// Reads the <c>prompt</c> value the reader stands on (through its end): a string, or an array of strings or token
    /// ids (nested or not). The key hashes the first <see cref="CompletionKeyBytes"/> bytes of its tokens.
    /// </summary>
    public static void ScanPrompt(ref Utf8JsonReader reader, RequestScan scan)
    {
        ResetPrompt(scan);
        XxHash3 hasher = scan.ContentHasher;
        hasher.Reset();
        int budget = CompletionKeyBytes;
        int promptBytes = 0;
        if (reader.TokenType is JsonTokenType.StartArray)
        {
            int depth = reader.CurrentDepth;
            while (reader.Read() && reader.CurrentDepth > depth)
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
                {
                    promptBytes += AppendToken(ref reader, hasher, ref budget, null, ref budget);
                }
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            promptBytes = AppendToken(ref reader, hasher, ref budget, null, ref budget);
        }
        else
        {
            reader.Skip();
            return;
        }

        // A completions prompt is one text: its first KiB is both its prefix and its conversation.
        scan.AffinityKey = promptBytes > 0 ? NonZero(hasher.GetCurrentHashAsUInt64()) : 0;
        scan.PrefixKey = scan.AffinityKey;
        scan.PromptBytes = promptBytes;
        scan.NewPromptBytes = promptBytes;
    }

    /// <summary>A content string, or an array of parts whose <c>text</c> strings count (images and the like do not).</summary>
    private static int ReadContent(ref Utf8JsonReader reader, XxHash3? hasher, XxHash3? prefix, ref int prefixBudget)
    {
        int budget = int.MaxValue;
        if (reader.TokenType == JsonTokenType.String)
        {
            return AppendToken(ref reader, hasher, ref budget, prefix, ref prefixBudget);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        int bytes = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                bool isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                if (isText && reader.TokenType == JsonTokenType.String)
                {
                    bytes += AppendToken(ref reader, hasher, ref budget, prefix, ref prefixBudget);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return bytes;
    }

    /// <summary>
    /// Appends the token's raw bytes to each hasher given, at most its budget of them, and a separator; returns the
    /// token's length.
    /// </summary>
    private static int AppendToken(ref Utf8JsonReader reader, XxHash3? hasher, ref int budget, XxHash3? second, ref int secondBudget)
    {
        if (!reader.HasValueSequence)
        {
            ReadOnlySpan<byte> value = reader.ValueSpan;
            Append(value, hasher, ref budget);
            Append(value, second, ref secondBudget);
            return value.Length;
        }

        ReadOnlySequence<byte> sequence = reader.ValueSequence;
        Append(sequence, hasher, ref budget);
        Append(sequence, second, ref secondBudget);
        return checked((int)sequence.Length);
    }

    private static void Append(ReadOnlySpan<byte> value, XxHash3? hasher, ref int budget)
    {
        if (hasher is not null && budget > 0)
        {
            int taken = Math.Min(budget, value.Length);
            hasher.Append(value[..taken]);
            budget -= taken;
            AppendSeparator(hasher, ref budget);
        }
    }

    private static void Append(ReadOnlySequence<byte> sequence, XxHash3? hasher, ref int budget)
    {
        if (hasher is not null && budget > 0)
        {
            foreach (ReadOnlyMemory<byte> segment in sequence)
            {
                int taken = Math.Min(budget, segment.Length);
                hasher.Append(segment.Span[..taken]);
                budget -= taken;
                if (budget == 0)
                {
                    break;
                }
            }

            AppendSeparator(hasher, ref budget);
        }
    }

    /// <summary>
    /// A byte no raw JSON string holds (control characters must be escaped) between tokens, so that parts "ab","c"
    /// and "a","bc" hash apart.
    /// </summary>
    private static void AppendSeparator(XxHash3 hasher, ref int budget)
    {
        if (budget > 0)
        {
            hasher.Append([0]);
            budget--;
        }
    }

    private static ulong HashToken(ref Utf8JsonReader reader)
    {
        if (!reader.HasValueSequence)
        {
            return XxHash3.HashToUInt64(reader.ValueSpan);
        }

        // A role split across body segments: rare (small bodies arrive whole), and roles are a few bytes.
        Span<byte> copy = stackalloc byte[64];
        ReadOnlySequence<byte> sequence = reader.ValueSequence;
        int length = (int)Math.Min(sequence.Length, copy.Length);
        sequence.Slice(0, length).CopyTo(copy);
        return XxHash3.HashToUInt64(copy[..length]);
    }

    /// <summary>Chains one message into the key: the key so far seeds the hash of the message's role and content hashes.</summary>
    private static ulong Fold(ulong key, ulong role, ulong content)
    {
        Span<byte> pair = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(pair, role);
        BinaryPrimitives.WriteUInt64LittleEndian(pair[8..], content);
        return XxHash3.HashToUInt64(pair, unchecked((long)key));
    }

    /// <summary>0 means "no key": a prompt that happens to hash to 0 takes 1 instead.</summary>
    private static ulong NonZero(ulong key) => key == 0 ? 1 : key;

    /// <summary>The last <c>messages</c> or <c>prompt</c> member wins, as the last duplicate does in Python's json.</summary>
    private static void ResetPrompt(RequestScan scan)
    {
        scan.AffinityKey = 0;
        scan.PrefixKey = 0;
        scan.PromptBytes = 0;
        scan.NewPromptBytes = 0;
        scan.HasHistory = false;
    }
}
