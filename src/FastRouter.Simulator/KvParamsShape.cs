namespace FastRouter.Simulation;

/// <summary>
/// The <c>kv_transfer_params</c> shape a prefill simulator answers with (protocol.md §2): the router must copy
/// every one of them through untouched, so the tests run it against each.
/// </summary>
internal enum KvParamsShape
{
    /// <summary>vLLM ≈0.10–0.11 and the Neuron fork: flat <c>remote_block_ids</c>, no <c>remote_request_id</c>.</summary>
    Legacy,

    /// <summary>Adds <c>remote_request_id</c>; <c>remote_block_ids</c> becomes a list of lists.</summary>
    Current,

    /// <summary>Also <c>dcp_size</c>, <c>pp_size</c>, <c>remote_num_tokens</c>, <c>remote_blocks_expiry_time</c>, <c>transfer_mode</c>.</summary>
    Newest,

    /// <summary>Answers <c>"kv_transfer_params":null</c>, as vLLM does when the first sampled token ends the request.</summary>
    Null,
}
