namespace FastRouter.Configuration;

/// <summary>How a pod is picked among the healthy pods of a role (--pod-selection).</summary>
internal enum PodSelection
{
    /// <summary>Power of two choices: two pods at random, the one with fewer requests in flight.</summary>
    LeastInFlight,

    /// <summary>Each pod in turn.</summary>
    RoundRobin,

    /// <summary>
    /// Rendezvous hashing of the request's affinity key (prompt prefix, conversation, --session-key) under a load bound;
    /// requests without a key as <see cref="LeastLoad"/>.
    /// </summary>
    Affinity,

    /// <summary>Power of two choices on the load estimate (engine figures plus this router's requests since).</summary>
    LeastLoad,
}
