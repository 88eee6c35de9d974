using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace FastRouter.Balancing;

/// <summary>
/// --session-key HEADER: the header's value, when the request has one, is the affinity key for both roles, so requests
/// of one session stick to the same prefill and decode pods (under the load bound) whatever their prompts.
/// </summary>
internal static class SessionAffinity
{
    // Keeps session keys apart from prompt keys, which hash other bytes with seed 0.
    private const long Seed = 0x5E55_10F0;

    /// <summary>The key of the header's first value (hashed as its UTF-16 code units, without copying); 0 when absent or empty.</summary>
    public static ulong KeyOf(IHeaderDictionary headers, string header)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!headers.TryGetValue(header, out StringValues values) || values.Count == 0 || values[0] is not { Length: > 0 } value)
        {
            return 0;
        }

        ulong key = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan()), Seed);
        return key == 0 ? 1 : key;
    }
}
