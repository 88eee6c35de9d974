using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace FastRouter.Proxying;

/// <summary>The X-Request-Id both legs carry: the client's when it is sane, else a new one.</summary>
internal static class RequestIds
{
    public const string HeaderName = "X-Request-Id";

    private const int MaxLength = 128;

    /// <summary>32 lowercase hex digits, the shape of a GUID's "N" format, so logs and pods see what they saw before.</summary>
    private const int NewIdLength = 32;

    // A new id is this process's random 64-bit prefix and a 64-bit sequence that starts at a random value. Unique
    // within the process by construction, and across router replicas and restarts unless two draw the same prefix
    // (2^-64 per pair). It replaces Guid.NewGuid, which costs a read of /dev/urandom per request on Linux: about
    // 1-2 µs of the router's CPU per request. Unpredictability buys nothing here: clients may choose their own id.
    private static readonly ulong ProcessPrefix = RandomUInt64();
    private static long s_sequence = (long)RandomUInt64();

    public static string FromHeaderOrNew(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        StringValues values = headers[HeaderName];
        if (values.Count == 1 && IsAcceptable(values[0]))
        {
            return values[0]!;
        }

        return NewId();
    }

    /// <summary>A fresh id: <see cref="NewIdLength"/> hex digits, unique per request (see the fields' comment).</summary>
    internal static string NewId()
    {
        ulong sequence = unchecked((ulong)Interlocked.Increment(ref s_sequence));
        return string.Create(NewIdLength, sequence, static (span, sequence) =>
        {
            ProcessPrefix.TryFormat(span, out _, "x16");
            sequence.TryFormat(span[16..], out _, "x16");
        });
    }

    private static ulong RandomUInt64()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
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
