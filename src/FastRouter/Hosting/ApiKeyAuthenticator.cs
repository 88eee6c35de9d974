using System.Security.Cryptography;
using System.Text;
using FastRouter.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace FastRouter.Hosting;

/// <summary>
/// Inbound API keys (--api-key, --api-key-file, $FASTROUTER_API_KEYS): `Authorization: Bearer KEY` on /v1/*.
/// Keys are kept as SHA-256 digests and compared in constant time, against every key, so neither the
/// comparison nor the key count leaks through timing.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    private static readonly byte[] BearerPrefix = "Bearer "u8.ToArray();

    private readonly byte[][] _keyDigests;

    public ApiKeyAuthenticator(RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keyDigests = new byte[options.ApiKeys.Count][];
        for (int i = 0; i < _keyDigests.Length; i++)
        {
            _keyDigests[i] = SHA256.HashData(Encoding.UTF8.GetBytes(options.ApiKeys[i]));
        }
    }

    public bool IsEnabled => _keyDigests.Length > 0;

    public bool IsAuthorized(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsEnabled)
        {
            return true;
        }

        StringValues header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { Length: > 7 and <= 1024 } value)
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[1024 * 3];
        int length = Encoding.UTF8.GetBytes(value, presented);
        ReadOnlySpan<byte> bytes = presented[..length];
        // The scheme name is case-insensitive (RFC 7235); the key is not.
        if (bytes.Length < BearerPrefix.Length || !Ascii.EqualsIgnoreCase(bytes[..BearerPrefix.Length], BearerPrefix))
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes[BearerPrefix.Length..].Trim((byte)' '), digest);
        bool match = false;
        foreach (byte[] key in _keyDigests)
        {
            match |= CryptographicOperations.FixedTimeEquals(digest, key);
        }

        return match;
    }
}
