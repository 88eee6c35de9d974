using System.Buffers;
using System.Net;
using System.Text.Json;

namespace FastRouter.Protocol;

/// <summary>
/// Finds the top-level <c>kv_transfer_params</c> object in a prefill answer (protocol.md §2) in one
/// forward pass, without a DOM: the object is later spliced into the decode body as its raw bytes.
/// </summary>
internal static class PrefillAnswerReader
{
    /// <summary>Longest remote_host worth classifying; anything longer is a real host name, not loopback.</summary>
    private const int MaxClassifiedHostLength = 256;

    /// <summary>
    /// Reads <paramref name="answer"/>. Returns false when it is not a JSON object. <paramref name="topLevelKeys"/>,
    /// when given, receives the answer's top-level keys (for the Debug log only).
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> answer, out KvTransferParamsLocation location, List<string>? topLevelKeys = null)
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
                    ReadKvParamsObject(ref reader, ref location);
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
            return false;
        }
    }

    private static void ReadKvParamsObject(ref Utf8JsonReader reader, ref KvTransferParamsLocation location)
    {
        location.Found = true;
        location.ObjectStart = (int)reader.TokenStartIndex;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            location.MemberCount++;
            bool isRemoteHost = reader.ValueTextEquals("remote_host"u8);
            reader.Read();
            if (isRemoteHost)
            {
                location.RemoteHostValueStart = (int)reader.TokenStartIndex;
                location.RemoteHost = Classify(ref reader);
            }

            reader.Skip();
            if (isRemoteHost)
            {
                location.RemoteHostValueEnd = (int)reader.BytesConsumed;
            }
        }

        location.ObjectClose = (int)reader.TokenStartIndex;
    }

    private static RemoteHostState Classify(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return RemoteHostState.Unusable;
        }

        int length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > MaxClassifiedHostLength)
        {
            return RemoteHostState.Usable;
        }

        Span<char> host = stackalloc char[MaxClassifiedHostLength];
        int written = reader.CopyString(host);
        return IsUnusableHost(host[..written]) ? RemoteHostState.Unusable : RemoteHostState.Usable;
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
