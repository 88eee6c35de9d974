namespace FastRouter.Simulation;

/// <summary>What a request's <c>kv_transfer_params</c> asks of the engine.</summary>
internal enum KvTransferIntent
{
    /// <summary>No params (or null): compute the prompt locally.</summary>
    None,

    /// <summary><c>do_remote_decode: true</c>: prefill, keep the KV blocks for a decode pod, answer with params.</summary>
    RemoteDecode,

    /// <summary><c>do_remote_prefill: true</c>: pull the KV blocks from the prefill pod named in the params.</summary>
    RemotePrefill,
}
