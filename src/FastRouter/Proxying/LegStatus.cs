namespace FastRouter.Proxying;

/// <summary>How one backend leg ended, as the orchestration needs to know it.</summary>
internal enum LegStatus
{
    /// <summary>The leg did its job (prefill answered; decode's answer was relayed, whole or cut after it began).</summary>
    Succeeded,

    /// <summary>Nothing more to do for this request: the client was answered (an error of the router's own) or is gone.</summary>
    Finished,

    /// <summary>Failed through the pod's fault before anything reached the client: another attempt may succeed.</summary>
    Retryable,

    /// <summary>
    /// The pod turned the request down with a 4xx, relayed to the client: it did not run it, so a decode pod never
    /// took the <c>kv_transfer_params</c> it was sent.
    /// </summary>
    Rejected,
}
