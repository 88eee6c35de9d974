namespace FastRouter.Proxying;

/// <summary>
/// Why the router sends a decode call only so that a prefill pod frees its KV blocks (protocol.md §6): the params
/// were never taken by a decode pod, or may not have been, and the request will not use them. The label
/// <c>cause</c> of <c>fastrouter_decode_drains_total</c>.
/// </summary>
internal enum KvReleaseCause
{
    /// <summary>The client left after prefill, before decode.</summary>
    ClientLeft,

    /// <summary>Decode turned the request down with a 4xx before its engine saw the params.</summary>
    DecodeRejected,

    /// <summary>The decode pod could not be connected to, so it never received them; the flow is redone elsewhere.</summary>
    DecodeUnreached,

    /// <summary>The decode connection was reset or closed before an answer; the flow is redone elsewhere.</summary>
    DecodeReset,

    /// <summary>The decode pod answered 5xx; the flow is redone elsewhere.</summary>
    DecodeServerError,

    /// <summary>The decode pod sent no headers within the first-byte timeout; the flow is redone elsewhere.</summary>
    DecodeTimeout,
}
