namespace FastRouter.Configuration;

/// <summary>How a pod is picked among the healthy pods of a role (--pod-selection).</summary>
internal enum PodSelection
{
    /// <summary>Power of two choices: two pods at random, the one with fewer requests in flight.</summary>
    LeastInFlight,

    /// <summary>Each pod in turn.</summary>
    RoundRobin,
}
