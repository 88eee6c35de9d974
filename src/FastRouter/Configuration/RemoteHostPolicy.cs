namespace FastRouter.Configuration;

/// <summary>
/// What the router does with <c>kv_transfer_params.remote_host</c> from the prefill answer (protocol.md §2).
/// </summary>
internal enum RemoteHostPolicy
{
    /// <summary>Overwrite with the prefill pod's host only when missing, null, empty, loopback or a wildcard address.</summary>
    Auto,

    /// <summary>Always overwrite with the prefill pod's host (production-stack's behaviour).</summary>
    Always,

    /// <summary>Pass it through as the prefill engine wrote it (upstream vLLM's proxy).</summary>
    Never,
}
