namespace FastRouter.Proxying;

/// <summary>How one backend leg ended, as the orchestration needs to know it.</summary>
internal enum LegStatus
{
    /// <summary>The leg did its job (prefill answered; decode's answer was relayed, whole or cut after it began).</summary>
    Succeeded,

    /// <summary>Nothing more to do for this request: the client was answered (a relayed 4xx, an error) or is gone.</summary>
    Finished,

    /// <summary>Failed through the pod's fault before anything reached the client: another attempt may succeed.</summary>
    Retryable,
}
