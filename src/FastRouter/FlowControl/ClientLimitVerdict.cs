namespace FastRouter.FlowControl;

/// <summary>What the per-client limits say of a new request.</summary>
internal enum ClientLimitVerdict
{
    Admitted,

    /// <summary>The client has --client-max-concurrent requests in flight already: 429.</summary>
    TooManyConcurrent,

    /// <summary>The client has started --client-max-rps requests in the last second: 429.</summary>
    TooManyPerSecond,
}
