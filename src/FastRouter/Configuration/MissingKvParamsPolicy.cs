namespace FastRouter.Configuration;

/// <summary>What the router does when prefill answers without <c>kv_transfer_params</c> (protocol.md §3).</summary>
internal enum MissingKvParamsPolicy
{
    /// <summary>Send the plain request to decode, which recomputes the prompt; logged and counted.</summary>
    Fallback,

    /// <summary>Answer the client with an error instead.</summary>
    Fail,
}
