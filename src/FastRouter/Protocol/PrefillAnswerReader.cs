using System.Buffers;
using System.Net;
using System.Text.Json;

namespace FastRouter.Protocol;

/// <summary>
/// Finds the top-level <c>kv_transfer_params</c> object in a prefill answer (protocol.md §2) without a DOM: the
/// object is later spliced into the decode body as its raw bytes. vLLM writes it as the answer's last member, so
/// that shape is looked for from the end first; any other answer gets one forward pass over all of it.
/// </summary>
internal static class PrefillAnswerReader
{
    /// <summary>Longest remote_host that can be a host: DNS caps a name at 253 characters; an IPv6 literal is shorter.</summary>
    private const int MaxHostLength = 253;

    /// <summary>DNS caps a label at 63 characters.</summary>
    private const int MaxLabelLength = 63;

    private static ReadOnlySpan<byte> QuotedKey => "\"kv_transfer_params\""u8;

    /// <summary>
    /// Reads <paramref name="answer"/>. Returns false when it is not a JSON object. <paramref name="topLevelKeys"/>,
    /// when given, receives the answer's top-level keys (for the Debug log only).
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> answer, out KvTransferParamsLocation location, List<string>? topLevelKeys = null)
    {
        // The router's buffers are one array, so the answer is one segment unless a caller split it.
        if (topLevelKeys is null && answer.IsSingleSegment && TryReadAsLastMember(answer.FirstSpan, out location))
        {
            return true;
        }

        return TryReadWhole(answer, out location, topLevelKeys);
    }

    /// <summary>
    /// The shape vLLM sends: <c>{…,"kv_transfer_params":{…}}</c>, the object last. Tokenizing the members before it
    /// cost more than reading the object itself (docs/benchmarks.md, "What was tried"); here they are not read at all.
    /// True only when the last <c>"kv_transfer_params"</c> in the bytes is a key (after <c>{</c> or <c>,</c>, so not
    /// an escaped quote inside a string), its value is an object that parses, and the root's closing brace follows
    /// it: in a valid answer that is the root's last member, so the same one the forward pass would keep. The members
    /// before it are not validated; the router copies none of them. False sends the answer through the forward pass.
    /// </summary>
    private static bool TryReadAsLastMember(ReadOnlySpan<byte> answer, out KvTransferParamsLocation location)
    {
        location = default;
        int key = answer.LastIndexOf(QuotedKey);
        if (key < 0
            || answer.IndexOfAnyExcept(JsonWhitespace.Bytes) is not (>= 0 and var first) || answer[first] != (byte)'{'
            || answer[..key].LastIndexOfAnyExcept(JsonWhitespace.Bytes) is not (>= 0 and var before) || answer[before] is not ((byte)'{' or (byte)','))
        {
            return false;
        }

        int colon = JsonWhitespace.Skip(answer, key + QuotedKey.Length);
        if (colon >= answer.Length || answer[colon] != (byte)':')
        {
            return false;
        }

        int value = JsonWhitespace.Skip(answer, colon + 1);
        if (value >= answer.Length || answer[value] != (byte)'{')
        {
            return false;
        }

        var reader = new Utf8JsonReader(answer[value..], new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            reader.Read();
            ReadKvParamsObject(ref reader, ref location, value);
        }
        catch (JsonException)
        {
            location = default;
            return false;
        }

        int rootClose = JsonWhitespace.Skip(answer, value + (int)reader.BytesConsumed);
        if (rootClose >= answer.Length || answer[rootClose] != (byte)'}' || JsonWhitespace.Skip(answer, rootClose + 1) != answer.Length)
        {
            location = default;
            return false;
        }

        return true;
    }

    /// <summary>Every member of the answer in order, each value tokenized (and so validated) or skipped.</summary>
    private static bool TryReadWhole(in ReadOnlySequence<byte> answer, out KvTransferParamsLocation location, List<string>? topLevelKeys)
    {
        location = default;
        var reader = new Utf8JsonReader(answer, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                topLevelKeys?.Add(reader.GetString()!);
                bool isKvParams = reader.ValueTextEquals("kv_transfer_params"u8);
                reader.Read();
                if (isKvParams && reader.TokenType == JsonTokenType.StartObject)
                {
                    // The last occurrence wins, as with Python's json.
                    location = default;
                    ReadKvParamsObject(ref reader, ref location, offset: 0);
                }
                else if (isKvParams)
                {
                    location = default; // null, or a type no engine sends: treated as missing
                    reader.Skip();
                }
                else
                {
                    reader.Skip();
                }
            }

            return true;
        }
        catch (JsonException)
        {
            // A kv_transfer_params object that broke off midway was marked found when it began: it is not.
            location = default;
            return false;
        }
    }

    /// <summary>Reads the object the reader stands on; <paramref name="offset"/> is where the reader's bytes begin in the answer.</summary>
    private static void ReadKvParamsObject(ref Utf8JsonReader reader, ref KvTransferParamsLocation location, int offset)
    {
        location.Found = true;
        location.ObjectStart = offset + (int)reader.TokenStartIndex;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            location.MemberCount++;
            bool isRemoteHost = reader.ValueTextEquals("remote_host"u8);
            reader.Read();
            if (isRemoteHost)
            {
                location.RemoteHostValueStart = offset + (int)reader.TokenStartIndex;
                location.RemoteHost = Classify(ref reader);
            }

            reader.Skip();
            if (isRemoteHost)
            {
                location.RemoteHostValueEnd = offset + (int)reader.BytesConsumed;
            }
        }

        location.ObjectClose = offset + (int)reader.TokenStartIndex;
    }

    private static RemoteHostState Classify(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return RemoteHostState.Unusable;
        }

        // The raw length bounds the unescaped one from above, and an escape is longer than what it stands for, so a
        // value whose raw form passes the limit by more than escapes could explain is too long however it unescapes.
        int length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > MaxHostLength * 6)
        {
            return RemoteHostState.Malformed;
        }

        Span<char> host = stackalloc char[MaxHostLength * 6];
        int written = reader.CopyString(host);
        host = host[..written];
        if (IsUnusableHost(host))
        {
            return RemoteHostState.Unusable;
        }

        return IsHostNameOrAddress(host) ? RemoteHostState.Usable : RemoteHostState.Malformed;
    }

    /// <summary>
    /// An IP literal (IPv6 with or without brackets) or a DNS name: dot-separated labels of 1 to 63 letters, digits,
    /// hyphens (not first or last) and underscores (which some internal zones use), 253 characters at most, a final dot
    /// allowed. Nothing else a decode pod could connect to: no port, path, space or control character.
    /// </summary>
    internal static bool IsHostNameOrAddress(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > MaxHostLength)
        {
            return false;
        }

        if (host[0] == '[')
        {
            return host.Length > 2 && host[^1] == ']'
                && IPAddress.TryParse(host[1..^1], out IPAddress? bracketed)
                && bracketed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        if (host.Contains(':'))
        {
            // Only an IPv6 literal has a colon; IPAddress.TryParse alone would also take "1.2.3.4:80" as IPv4 plus port.
            return IPAddress.TryParse(host, out IPAddress? address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        if (host[^1] == '.')
        {
            host = host[..^1];
        }

        int labelLength = 0;
        for (int i = 0; i <= host.Length; i++)
        {
            if (i == host.Length || host[i] == '.')
            {
                if (labelLength == 0 || labelLength > MaxLabelLength || host[i - 1] == '-' || host[i - labelLength] == '-')
                {
                    return false;
                }

                labelLength = 0;
                continue;
            }

            char c = host[i];
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }

            labelLength++;
        }

        return true;
    }

    /// <summary>
    /// Empty, loopback and wildcard hosts only make sense on the prefill pod itself (protocol.md §2:
    /// VLLM_NIXL_SIDE_CHANNEL_HOST defaults to localhost).
    /// </summary>
    internal static bool IsUnusableHost(ReadOnlySpan<char> host)
    {
        host = host.Trim();
        if (host.IsEmpty
            || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.Equals("localhost.localdomain", StringComparison.OrdinalIgnoreCase)
            || host.Equals("ip6-localhost", StringComparison.OrdinalIgnoreCase)
            || host.Equals("ip6-loopback", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        return IPAddress.TryParse(host, out IPAddress? address)
            && (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any));
    }
}
