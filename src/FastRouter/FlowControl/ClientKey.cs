using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace FastRouter.FlowControl;

/// <summary>
/// Who sent a request, for fair queueing and per-client limits: the value of --client-id-header (the API key by
/// default), hashed, so no key is kept in memory. 0 is every request without the header: one shared client.
/// </summary>
internal static class ClientKey
{
    // Seeded per process: clients cannot aim collisions at one another (a shared key would share a turn and a limit).
    private static readonly long Seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    public static ulong Of(IHeaderDictionary headers, string header)
    {
        StringValues value = headers[header];
        string? client = value.Count > 0 ? value[0] : null;
        if (string.IsNullOrEmpty(client))
        {
            return 0;
        }

        ulong key = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(client.AsSpan()), Seed);
        return key == 0 ? 1 : key;
    }
}
