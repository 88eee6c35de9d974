using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace FastRouter.Proxying;

/// <summary>The X-Request-Id both legs carry: the client's when it is sane, else a new one.</summary>
internal static class RequestIds
{
    public const string HeaderName = "X-Request-Id";

    private const int MaxLength = 128;

    public static string FromHeaderOrNew(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        StringValues values = headers[HeaderName];
        if (values.Count == 1 && IsAcceptable(values[0]))
        {
            return values[0]!;
        }

        return Guid.NewGuid().ToString("N");
    }

    /// <summary>Visible ASCII only: the id goes into two backends' headers and logs, and must not smuggle anything.</summary>
    internal static bool IsAcceptable(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength)
        {
            return false;
        }

        foreach (char c in id)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
