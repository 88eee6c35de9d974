using System.Buffers;
using FastRouter.Configuration;

namespace FastRouter.Protocol;

/// <summary>
/// Produces the decode leg's <c>kv_transfer_params</c>: the prefill's object copied as is, except that
/// <c>remote_host</c> is set to the prefill pod's host when the policy says so (protocol.md §2).
/// </summary>
internal static class KvTransferParamsRewriter
{
    /// <summary>
    /// Adds the object to <paramref name="output"/>. <paramref name="prefillHostJson"/> is the prefill pod's host
    /// as a JSON string literal, quotes included. Returns true when remote_host was overwritten.
    /// </summary>
    public static bool Write(
        in ReadOnlySequence<byte> answer,
        in KvTransferParamsLocation location,
        RemoteHostPolicy policy,
        ReadOnlyMemory<byte> prefillHostJson,
        BodySegments output)
    {
        bool overwrite = policy switch
        {
            RemoteHostPolicy.Always => true,
            RemoteHostPolicy.Never => false,
            _ => location.RemoteHost != RemoteHostState.Usable,
        };

        int end = location.ObjectClose + 1;
        if (!overwrite)
        {
            output.AddRange(answer, location.ObjectStart, end);
            return false;
        }

        if (location.RemoteHost != RemoteHostState.Absent)
        {
            output.AddRange(answer, location.ObjectStart, location.RemoteHostValueStart);
            output.Add(prefillHostJson);
            output.AddRange(answer, location.RemoteHostValueEnd, end);
            return true;
        }

        output.AddRange(answer, location.ObjectStart, location.ObjectClose);
        if (location.MemberCount > 0)
        {
            output.Add(JsonLiterals.Comma);
        }

        output.Add(JsonLiterals.RemoteHostName);
        output.Add(prefillHostJson);
        output.Add(JsonLiterals.CloseBrace);
        return true;
    }
}
