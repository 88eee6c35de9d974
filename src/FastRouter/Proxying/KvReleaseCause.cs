namespace FastRouter.Proxying;

/// <summary>
/// Why the router sends a decode call only so that a prefill pod frees its KV blocks (protocol.md §6): the params
/// were never taken by a decode pod, and the request will not use them.
/// </summary>
internal enum KvReleaseCause
{
    /// <summary>The client left after prefill, before decode.</summary>
    ClientLeft,

    /// <summary>Decode turned the request down with a 4xx before its engine saw the params.</summary>
    DecodeRejected,

    /// <summary>The decode pod could not be connected to, so it never received them; the flow is redone elsewhere.</summary>
    DecodeUnreached,
}
