using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace FastRouter.FlowControl;

/// <summary>
/// Who sent a request, for fair queueing and per-client limits: the value of --client-id-header (the API key by
/// default), hashed, so no key is kept in memory. 0 is every request without the header: one shared client.
/// </summary>
internal static class ClientKey
{
    public static ulong Of(IHeaderDictionary headers, string header)
    {
        StringValues value = headers[header];
        string? client = value.Count > 0 ? value[0] : null;
        // The hash is the process's randomized string hash: clients cannot aim collisions at one another.
        return string.IsNullOrEmpty(client) ? 0 : (ulong)(uint)StringComparer.Ordinal.GetHashCode(client) | 1UL << 32;
    }
}
