namespace FastRouter.Configuration;

/// <summary>
/// What frees the prefill pod's KV blocks when decode will not run with the params prefill answered, or may not have
/// taken them: the client left between the legs, decode turned the request down, or it failed before it answered
/// (protocol.md §6, --disconnect-kv-release, <c>Proxying.KvReleaseCause</c>).
/// </summary>
internal enum DisconnectKvRelease
{
    /// <summary>Send a decode pod the params once in a one-token call, its answer thrown away: it pulls the blocks, or, aborted, tells prefill to free them.</summary>
    Decode,

    /// <summary>Send nothing; the blocks stay held until the prefill engine's lease or abort timeout expires.</summary>
    Lease,
}
