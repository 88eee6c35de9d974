namespace FastRouter.Simulation;

/// <summary>Which half of a disaggregated vLLM pair the simulator plays.</summary>
internal enum SimulatorRole
{
    /// <summary>Computes the prompt, holds the KV blocks under a lease and serves them on its side channel.</summary>
    Prefill,

    /// <summary>Pulls the KV blocks named by <c>kv_transfer_params</c> from the prefill side channel, then generates.</summary>
    Decode,
}
