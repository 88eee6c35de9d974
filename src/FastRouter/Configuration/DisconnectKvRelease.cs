namespace FastRouter.Configuration;

/// <summary>
/// What frees the prefill pod's KV blocks when the client disconnects after prefill answered but before decode
/// started (protocol.md §6, --disconnect-kv-release).
/// </summary>
internal enum DisconnectKvRelease
{
    /// <summary>Send decode the params anyway and cancel it at once: the decode engine tells prefill to free the blocks.</summary>
    Decode,

    /// <summary>Send nothing; the blocks stay held until the prefill engine's lease or abort timeout expires.</summary>
    Lease,
}
